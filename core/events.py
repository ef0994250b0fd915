"""Record events: what happened to a record, written to the outbox in the record's transaction.

(Placeholder of the lifecycle branch: delivery to `on_record_changed` subscribers lands with the
events branch, which replaces this file.)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import actor_of
from core.outbox import enqueue

TOPIC = "record.changed"


@dataclass(frozen=True)
class RecordEvent:
    event_id: str
    module: str
    entity_type: str
    entity_id: str
    action: str
    version: int | None
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    fields: tuple[str, ...]
    occurred_at: dt.datetime


def enqueue_record_event(
    session: AsyncSession,
    *,
    module: str,
    entity_type: str,
    entity_id: object,
    action: str,
    version: int | None,
    actor: object,
    fields: Sequence[str] = (),
) -> RecordEvent:
    who = actor_of(actor)
    event = RecordEvent(
        event_id=uuid.uuid4().hex,
        module=module,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        version=version,
        actor_type=who.type,
        actor_id=who.id,
        actor_name=who.name,
        fields=tuple(fields),
        occurred_at=dt.datetime.now(dt.UTC),
    )
    payload = asdict(event)
    payload["fields"] = list(event.fields)
    payload["occurred_at"] = event.occurred_at.isoformat()
    enqueue(session, TOPIC, payload)
    return event
