"""Per-request DataLoaders: a list of N persons costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from core.gql.selection import leave_empty, operation_needs, relation_options
from plugins.suspects.models import Conveyance, Person

RELATIONS = ("aliases", "nationalities", "documents", "addresses", "phones")
# GraphQL fields of a person -> the child collections they are served from.
FIELD_CHILDREN: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in RELATIONS},
    # Duplicates are found from the names, documents and nationalities of the person.
    "possibleDuplicates": RELATIONS,
}


def with_children(
    query: Select[tuple[Person]], wanted: frozenset[str] | None = None
) -> Select[tuple[Person]]:
    """Load the child collections (all, or the `wanted` ones; the others stay empty)."""
    return query.options(*relation_options(Person, RELATIONS, wanted))


def _person_loader(context: Context) -> DataLoader[int, Person | None]:
    async def load(ids: Sequence[int]) -> list[Person | None]:
        # Only the collections some field of the operation can serve (`operation_fields`).
        wanted = operation_needs(context, FIELD_CHILDREN)
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(
                    with_children(select(Person).where(Person.id.in_(ids)), wanted)
                )
            ).all()
            leave_empty(rows, RELATIONS, wanted)
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
