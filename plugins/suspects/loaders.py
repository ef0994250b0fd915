"""Per-request DataLoaders: a list of N persons costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from plugins.suspects.models import Conveyance, Person


def with_children(query: Select[tuple[Person]]) -> Select[tuple[Person]]:
    return query.options(
        selectinload(Person.aliases),
        selectinload(Person.nationalities),
        selectinload(Person.documents),
        selectinload(Person.addresses),
        selectinload(Person.phones),
    )


def _person_loader(context: Context) -> DataLoader[int, Person | None]:
    async def load(ids: Sequence[int]) -> list[Person | None]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(with_children(select(Person).where(Person.id.in_(ids))))
            ).all()
        by_id = {p.id: p for p in rows}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)


def persons(context: Context) -> DataLoader[int, Person | None]:
    return context.loader("suspects.person", _person_loader)


def _conveyance_loader(context: Context) -> DataLoader[int, Conveyance | None]:
    async def load(ids: Sequence[int]) -> list[Conveyance | None]:
        async with context.instance.db.session() as session:
            rows = (await session.scalars(select(Conveyance).where(Conveyance.id.in_(ids)))).all()
        by_id = {c.id: c for c in rows}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)


def conveyances(context: Context) -> DataLoader[int, Conveyance | None]:
    return context.loader("suspects.conveyance", _conveyance_loader)
