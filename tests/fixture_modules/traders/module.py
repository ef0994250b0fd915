"""Test module `traders`: a `Trader` entity that consignments link to."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from strawberry import relay
from strawberry.types import Info

from core.db import Base
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.entity import Entity
from core.hookspecs import hookimpl
from core.module import ModuleInfo


class Trader(Base):
    __tablename__ = "traders_trader"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


RESOLVE_CALLS: list[int] = []


@strawberry.type(name="Trader")
class TraderType(Entity):
    owner_module = "traders"
    id: relay.NodeID[int]
    name: str

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[TraderType | None]:
        ids = [int(i) for i in node_ids]
        RESOLVE_CALLS.append(len(ids))
        async with info.context.instance.db.session() as session:
            rows = {
                r.id: r for r in await session.scalars(select(Trader).where(Trader.id.in_(ids)))
            }
        return [cls(id=i, name=rows[i].name) if i in rows else None for i in ids]


@strawberry.type
class TradersMutation:
    @strawberry.mutation
    async def add_trader(self, info: Info[Context, None], name: str) -> TraderType:
        async with info.context.instance.db.transaction() as session:
            row = Trader(name=name)
            session.add(row)
            await session.flush()
        return TraderType(id=row.id, name=row.name)


class TradersModule:
    info = ModuleInfo(name="traders", version="0.1.0", label="Traders (test)")

    @hookimpl
    def register_models(self) -> list[type]:
        return [Trader]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(mutations=[TradersMutation], types=[TraderType])
