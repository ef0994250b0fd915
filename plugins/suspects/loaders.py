"""Per-request DataLoaders: a list of N persons costs a constant number of SQL statements."""

from __future__ import annotations

from sqlalchemy import Select
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from core.gql.selection import relation_options, rows_loader
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


_person_loader = rows_loader(Person, RELATIONS, FIELD_CHILDREN)


def persons(context: Context) -> DataLoader[int, Person | None]:
    return context.loader("suspects.person", _person_loader)


_conveyance_loader = rows_loader(Conveyance, (), {})


def conveyances(context: Context) -> DataLoader[int, Conveyance | None]:
    return context.loader("suspects.conveyance", _conveyance_loader)
