"""Per-request DataLoaders: a list of N companies costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from plugins.companies.models import Company

ENTITY = "Company"


def with_children(query: Select[tuple[Company]]) -> Select[tuple[Company]]:
    """Load every child collection in one extra statement each, whatever the number of rows."""
    return query.options(
        selectinload(Company.trade_names),
        selectinload(Company.identifiers),
        selectinload(Company.addresses),
        selectinload(Company.contacts),
        selectinload(Company.roles),
        selectinload(Company.hs_chapters),
    )


def company_loader(context: Context) -> DataLoader[int, Company | None]:
    async def load(ids: Sequence[int]) -> list[Company | None]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(with_children(select(Company).where(Company.id.in_(ids))))
            ).all()
        by_id = {company.id: company for company in rows}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)


def companies(context: Context) -> DataLoader[int, Company | None]:
    return context.loader("companies.company", company_loader)
