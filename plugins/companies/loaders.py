"""Per-request DataLoaders: a list of N companies costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from strawberry.dataloader import DataLoader

from core.audit.models import AuditEvent
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


def history_loader(context: Context) -> DataLoader[int, list[AuditEvent]]:
    """Audit events of many companies in one statement: the audit log is the history."""

    async def load(ids: Sequence[int]) -> list[list[AuditEvent]]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity_type == ENTITY,
                        AuditEvent.entity_id.in_([str(i) for i in ids]),
                        AuditEvent.action != "record.view",
                    )
                    .order_by(AuditEvent.seq)
                )
            ).all()
        by_company: dict[str, list[AuditEvent]] = {str(i): [] for i in ids}
        for event in rows:
            by_company[event.entity_id].append(event)  # type: ignore[index]
        return [by_company[str(i)] for i in ids]

    return DataLoader(load_fn=load)


def histories(context: Context) -> DataLoader[int, list[AuditEvent]]:
    return context.loader("companies.history", history_loader)
