"""Per-request DataLoaders: a list of N seizures costs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from strawberry.dataloader import DataLoader

from core.audit.models import AuditEvent
from core.gql.context import Context
from plugins.seizures.models import Case


def with_children(query: Select[tuple[Case]]) -> Select[tuple[Case]]:
    """Load every child collection in one extra statement each, whatever the number of cases."""
    return query.options(
        selectinload(Case.goods),
        selectinload(Case.route),
        selectinload(Case.containers),
        selectinload(Case.risk_indicators),
        selectinload(Case.offenders),
    )


def case_loader(context: Context) -> DataLoader[int, Case | None]:
    async def load(ids: Sequence[int]) -> list[Case | None]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(with_children(select(Case).where(Case.id.in_(ids))))
            ).all()
        by_id = {case.id: case for case in rows}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)


def cases(context: Context) -> DataLoader[int, Case | None]:
    return context.loader("seizures.case", case_loader)


def history_loader(context: Context) -> DataLoader[int, list[AuditEvent]]:
    """Audit events of many cases in one statement: the audit log is the record's history."""

    async def load(ids: Sequence[int]) -> list[list[AuditEvent]]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity_type == "Seizure",
                        AuditEvent.entity_id.in_([str(i) for i in ids]),
                        AuditEvent.action != "record.view",
                    )
                    .order_by(AuditEvent.seq)
                )
            ).all()
        by_case: dict[str, list[AuditEvent]] = {str(i): [] for i in ids}
        for event in rows:
            by_case[event.entity_id].append(event)  # type: ignore[index]
        return [by_case[str(i)] for i in ids]

    return DataLoader(load_fn=load)


def histories(context: Context) -> DataLoader[int, list[AuditEvent]]:
    return context.loader("seizures.history", history_loader)
