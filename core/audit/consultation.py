"""Per-record audit of consultations: who was served which record holding nominal data.

Resolvers of nominal fields call `note_consultation(info, entity_type, id)`; after the operation
has run, one `record.view` event per entity type naming every record served (and one row per
record in the consultation index) is written in one transaction, with the
purpose the client sent (`Ncen-Purpose` header). If that write fails the response is replaced by
an error: nothing nominal leaves without its audit event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from strawberry.extensions import SchemaExtension

from core.audit.writer import record_consultation, request_purpose

_KEY = "core.audit.consulted"
# Metadata of a strawberry field whose resolver is exactly "serve `value` attribute of the
# object, noting a consultation of `entity_type` `id` attribute when it is not empty", so
# that core/gql/precompleted.py may serve it in one pass: (entity type, value, id attribute).
AUDITED = "ncen_audited"


def audited(entity_type: str, value: str, id_attribute: str) -> dict[str, tuple[str, str, str]]:
    """The `metadata=` of such a field (its resolver must do just that, with `nominal`-like
    code: a test compares both paths)."""
    return {AUDITED: (entity_type, value, id_attribute)}


def note_consultation(info: Any, entity_type: str, entity_id: object) -> None:
    """Remember that this request served nominal data of the record (written after execution)."""
    note_consultations(info.context, entity_type, [entity_id])


def note_consultations(context: Any, entity_type: str, entity_ids: Iterable[object]) -> None:
    """The same for several records, from code that holds the request context."""
    consulted: dict[str, set[str]] = context.loaders.setdefault(_KEY, {})
    consulted.setdefault(entity_type, set()).update(str(i) for i in entity_ids)


async def write_consultations(context: Any) -> None:
    """Write the consultations noted during the operation (one transaction), and forget them.
    Raises if the write fails: the caller then answers an error instead of the data."""
    consulted: dict[str, set[str]] | None = (
        getattr(context, "loaders", {}).get(_KEY) if context is not None else None
    )
    if not consulted:
        return
    purpose = request_purpose(context.request.headers)
    async with context.instance.db.transaction() as session:
        for entity_type, ids in sorted(consulted.items()):
            ordered: list[str] = sorted(ids, key=lambda i: (len(i), i))
            await record_consultation(
                session,
                actor=context.principal,
                entity_type=entity_type,
                entity_ids=ordered,
                purpose=purpose,
            )
    consulted.clear()


class ConsultationAudit(SchemaExtension):
    """Writes the consultations noted during an operation, once, when it has finished (for
    strawberry's own paths; `NcenSchema.execute` calls `write_consultations` itself)."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        await write_consultations(self.execution_context.context)
