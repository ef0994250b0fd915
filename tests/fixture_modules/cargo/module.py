"""Test module `cargo`: a searchable `Shipment` entity, indexed through the outbox.

Its mutations enqueue search work in the write transaction, like a real module; its query type
resolves hits through `resolve_nodes` and checks `cargo.view` itself, as a module would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, ClassVar

import strawberry
from sqlalchemy import Date, Integer, String, Text, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from strawberry import relay
from strawberry.types import Info

from core.db import Base
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.entity import Entity
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.search import SearchDocument, SearchType, enqueue_delete, enqueue_index

PERMISSION = "cargo.view"
SEE_ALL = "cargo.all"  # sees private shipments of every owner


class Shipment(Base):
    __tablename__ = "cargo_shipment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text)
    seized_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    country: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(50), nullable=True)


@strawberry.type(name="Shipment")
class ShipmentType(Entity):
    owner_module: ClassVar[str] = "cargo"

    id: relay.NodeID[int]
    title: str
    notes: str
    seized_on: dt.date | None

    @classmethod
    def from_row(cls, row: Shipment) -> ShipmentType:
        return cls(id=row.id, title=row.title, notes=row.notes, seized_on=row.seized_on)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ShipmentType | None]:
        ids = [int(i) for i in node_ids]
        if not info.context.can(PERMISSION):
            return [None] * len(ids)
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(select(Shipment).where(Shipment.id.in_(ids)))
            found = {row.id: cls.from_row(row) for row in rows}
        return [found.get(i) for i in ids]


@strawberry.type
class CargoMutation:
    @strawberry.mutation
    async def add_shipment(
        self,
        info: Info[Context, None],
        title: str,
        notes: str = "",
        seized_on: dt.date | None = None,
        country: str = "XX",
        code: str = "0000",
        owner: str | None = None,
    ) -> ShipmentType:
        async with info.context.instance.db.transaction() as session:
            row = Shipment(
                title=title,
                notes=notes,
                seized_on=seized_on,
                country=country,
                code=code,
                owner=owner,
            )
            session.add(row)
            await session.flush()
            enqueue_index(session, "Shipment", row.id)
        return ShipmentType.from_row(row)

    @strawberry.mutation
    async def rename_shipment(self, info: Info[Context, None], id: int, title: str) -> bool:
        async with info.context.instance.db.transaction() as session:
            row = await session.get(Shipment, id)
            if row is None:
                return False
            row.title = title
            enqueue_index(session, "Shipment", id)
        return True

    @strawberry.mutation
    async def delete_shipment(
        self, info: Info[Context, None], id: int, explicit: bool = True
    ) -> bool:
        """`explicit=False` relies on the index handler noticing the record is gone."""
        async with info.context.instance.db.transaction() as session:
            await session.execute(delete(Shipment).where(Shipment.id == id))
            if explicit:
                enqueue_delete(session, "Shipment", id)
            else:
                enqueue_index(session, "Shipment", id)
        return True


def document(row: Shipment) -> SearchDocument:
    return SearchDocument(
        entity_type="Shipment",
        id=str(row.id),
        module="cargo",
        title=row.title,
        content=row.notes,
        date=row.seized_on,
        keywords={"countries": [row.country], "codes": [row.code]},
        audience=[f"user:{row.owner}"] if row.owner else None,
    )


def audience(principal: Any) -> list[str] | None:
    """A shipment with an owner is private to that owner and to holders of `cargo.all`."""
    if principal.can(SEE_ALL):
        return None
    return [f"user:{getattr(principal, 'user', '')}"]


async def fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
    rows = await session.scalars(select(Shipment).where(Shipment.id.in_([int(i) for i in ids])))
    return [document(row) for row in rows]


async def all_ids(session: AsyncSession, batch_size: int) -> AsyncIterator[list[str]]:
    result = await session.stream_scalars(select(Shipment.id).order_by(Shipment.id))
    async for batch in result.partitions(batch_size):
        yield [str(i) for i in batch]


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Shipment)) or 0)


class CargoModule:
    info = ModuleInfo(name="cargo", version="0.1.0", label="Cargo (search test)")

    @hookimpl
    def register_models(self) -> list[type]:
        return [Shipment]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(mutations=[CargoMutation], types=[ShipmentType])

    @hookimpl
    def register_search_types(self) -> list[SearchType]:
        return [
            SearchType(
                entity_type="Shipment",
                module="cargo",
                permission=PERMISSION,
                fetch=fetch,
                ids=all_ids,
                count=count,
                audience=audience,
            )
        ]

    @hookimpl
    async def load_demo_data(self, instance: Any, size: int) -> None:
        async with instance.db.transaction() as session:
            for i in range(size):
                row = Shipment(title=f"demo shipment {i}", notes="", country="XX", code="0000")
                session.add(row)
                await session.flush()
                enqueue_index(session, "Shipment", row.id)
