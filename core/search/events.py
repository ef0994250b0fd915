"""How a module asks for its records to be (re)indexed: an outbox row in its own transaction.

Nothing is indexed inside the request. The row is dispatched only if the transaction commits, and
core's search handler then reads the record's *current* state, so the index follows the database
even when rows are replayed or arrive out of order.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.outbox import enqueue, enqueue_many

INDEX_TOPIC = "search.index"
DELETE_TOPIC = "search.delete"
TOPICS = (INDEX_TOPIC, DELETE_TOPIC)


def enqueue_index(session: AsyncSession, entity_type: str, record_id: str | int) -> None:
    """Bring the record's document in line with the database after commit (create or update;
    a record that no longer exists by then is removed from the index)."""
    enqueue(session, INDEX_TOPIC, {"entity_type": entity_type, "id": str(record_id)})


def enqueue_index_many(
    session: AsyncSession, entity_type: str, record_ids: Sequence[str | int]
) -> None:
    """`enqueue_index` of several records of one type (a batch written together)."""
    enqueue_many(
        session, INDEX_TOPIC, [{"entity_type": entity_type, "id": str(i)} for i in record_ids]
    )


def enqueue_delete(
    session: AsyncSession, entity_type: str, record_id: str | int, *, erase: bool = False
) -> None:
    """Remove the record's document after commit, without reading the database.

    `erase=True` (erasure of personal data) also rewrites the index files, so that nothing of
    the document survives on disk: a plain delete only marks it deleted until a later merge.
    """
    payload: dict[str, object] = {"entity_type": entity_type, "id": str(record_id)}
    if erase:
        payload["erase"] = True
    enqueue(session, DELETE_TOPIC, payload)
