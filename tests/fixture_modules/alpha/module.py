"""Test module `alpha`: writes a record and an outbox row in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated

import strawberry
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from strawberry.types import Info

from core.db import Base
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.inputs import max_items
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import OutboxEvent, OutboxHandler, enqueue


class AlphaItem(Base):
    __tablename__ = "alpha_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


@strawberry.type
class AlphaItemType:
    id: int
    name: str


@strawberry.input
class AlphaBatchInput:
    names: list[str] = strawberry.field(metadata=max_items(2))


@strawberry.type
class AlphaQuery:
    @strawberry.field
    async def alpha_items(self, info: Info[Context, None]) -> list[AlphaItemType]:
        async with info.context.instance.db.session() as session:
            rows = (await session.scalars(select(AlphaItem).order_by(AlphaItem.id))).all()
        return [AlphaItemType(id=r.id, name=r.name) for r in rows]

    @strawberry.field
    def alpha_boom(self) -> str:
        raise RuntimeError("secret internal detail: /etc/passwd")

    @strawberry.field(description="Answers after `seconds` (request time limits).")
    async def alpha_wait(self, seconds: float) -> bool:
        await asyncio.sleep(seconds)
        return True

    @strawberry.field(description="How many names and tags (declared list maximums).")
    def alpha_count(
        self,
        batch: AlphaBatchInput,
        tags: Annotated[list[str], strawberry.argument(metadata=max_items(3))],
    ) -> int:
        return len(batch.names) + len(tags)

    @strawberry.field(description="0..count-1, in lists of `size` (list-item limits).")
    def alpha_numbers(self, count: int, size: int = 1000) -> list[list[int]]:
        return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


@strawberry.type
class AlphaMutation:
    @strawberry.mutation
    async def add_alpha_item(self, info: Info[Context, None], name: str) -> AlphaItemType:
        async with info.context.instance.db.transaction() as session:
            item = AlphaItem(name=name)
            session.add(item)
            await session.flush()
            enqueue(session, "alpha.added", {"id": item.id, "name": name})
        return AlphaItemType(id=item.id, name=item.name)


class AlphaModule:
    info = ModuleInfo(name="alpha", version="1.2.3", label="Alpha (test)")

    def __init__(self) -> None:
        self.delivered: list[OutboxEvent] = []
        self.demo_sizes: list[int] = []

    @hookimpl
    def register_models(self) -> list[type]:
        return [AlphaItem]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[AlphaQuery], mutations=[AlphaMutation])

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        async def handle(events: Sequence[OutboxEvent]) -> None:
            self.delivered.extend(events)

        return [OutboxHandler(topics=("alpha.added",), handle=handle, name="alpha")]

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        self.demo_sizes.append(size)
        async with instance.db.transaction() as session:
            session.add_all(AlphaItem(name=f"demo {i}") for i in range(size))
