"""Per-request DataLoaders: a list of N companies costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from core.gql.selection import leave_empty, operation_needs, relation_options
from plugins.companies.models import Company

ENTITY = "Company"


RELATIONS = ("trade_names", "identifiers", "addresses", "contacts", "roles", "hs_chapters")
# GraphQL fields of a company -> the child collections they are served from.
FIELD_CHILDREN: dict[str, tuple[str, ...]] = {
    "tradeNames": ("trade_names",),
    "identifiers": ("identifiers",),
    "addresses": ("addresses",),
    "contacts": ("contacts",),
    "roles": ("roles",),
    "hsChapters": ("hs_chapters",),
    # Duplicates are found from the identifiers and names of the company.
    "possibleDuplicates": RELATIONS,
}


def with_children(
    query: Select[tuple[Company]], wanted: frozenset[str] | None = None
) -> Select[tuple[Company]]:
    """Load the child collections (all, or the `wanted` ones; the others stay empty) in one
    extra statement each, whatever the number of rows."""
    return query.options(*relation_options(Company, RELATIONS, wanted))


def company_loader(context: Context) -> DataLoader[int, Company | None]:
    async def load(ids: Sequence[int]) -> list[Company | None]:
        # Only the collections some field of the operation can serve (`operation_fields`).
        wanted = operation_needs(context, FIELD_CHILDREN)
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(
                    with_children(select(Company).where(Company.id.in_(ids)), wanted)
                )
            ).all()
            leave_empty(rows, RELATIONS, wanted)
        by_id = {company.id: company for company in rows}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)


def companies(context: Context) -> DataLoader[int, Company | None]:
    return context.loader("companies.company", company_loader)
