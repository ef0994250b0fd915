"""A record's history for GraphQL, read from the audit log: the log is the single source of it.

Every module's `history` field is `await record_history(info, "Seizure", self.id)`: one
statement per entity type and request, whatever the number of records asked for. Reads
(`record.view`) are not steps in a record's life and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import strawberry
from sqlalchemy import select
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.audit.models import AuditEvent
from core.gql.context import Context


@strawberry.type(description="One step in a record's life, read from the audit log.")
class HistoryEntry:
    at: dt.datetime
    actor: str | None = strawberry.field(description="Username, or the system actor.")
    action: str = strawberry.field(description="record.create, record.update, record.status...")
    from_status: str | None
    to_status: str | None
    comment: str | None = strawberry.field(
        description="A validator's comment or an edit's reason, where the database keeps it in "
        "the log (databases of persons keep it on the record: see `workflowComment`)."
    )
    fields: list[str] = strawberry.field(description="Names of the fields the step changed.")

    @classmethod
    def of(cls, event: AuditEvent) -> HistoryEntry:
        detail = event.detail or {}
        return cls(
            at=event.occurred_at,
            actor=event.actor_name,
            action=event.action,
            from_status=detail.get("from"),
            to_status=detail.get("to"),
            comment=detail.get("comment") or detail.get("reason"),
            fields=list(event.fields or []),
        )


def _history_loader(context: Context, entity_type: str) -> DataLoader[int, list[HistoryEntry]]:
    async def load(ids: Sequence[int]) -> list[list[HistoryEntry]]:
        async with context.instance.db.session() as session:
            rows = (
                await session.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity_type == entity_type,
                        AuditEvent.entity_id.in_([str(i) for i in ids]),
                        AuditEvent.action != "record.view",
                    )
                    .order_by(AuditEvent.seq)
                )
            ).all()
        by_record: dict[str, list[HistoryEntry]] = {str(i): [] for i in ids}
        for event in rows:
            by_record[event.entity_id].append(HistoryEntry.of(event))  # type: ignore[index]  # the query selects events with an entity_id among `ids`
        return [by_record[str(i)] for i in ids]

    return DataLoader(load_fn=load)


async def record_history(
    info: Info[Context, None], entity_type: str, record_id: int
) -> list[HistoryEntry]:
    """The history of one record; the caller has already decided it may see the record."""
    loader = info.context.loader(
        f"history:{entity_type}", lambda context: _history_loader(context, entity_type)
    )
    return await loader.load(record_id)
