"""The tamper-evident audit log. Modules call `record(...)` inside their write transaction:

async with instance.db.transaction() as session:
    ...  # the change
    await audit.record(session, actor=info.context.principal, action="record.update",
                       entity_type="Seizure", entity_id=seizure.id, fields=changed)
"""

from core.audit.writer import (
    SYSTEM,
    Actor,
    actor_of,
    record,
    record_consultation,
    request_purpose,
)

__all__ = ["SYSTEM", "Actor", "actor_of", "record", "record_consultation", "request_purpose"]
