"""Global mode: what national instances send, checked and kept as read-only records.

icomm's transport hands each payload that arrives from a registered national instance to
`receive_global(instance, payload, sender=..., sender_country=...)`, after checking the
envelope's signature and the peer. Here, in one transaction: the instance must be the global
database (`[ncen.sharing] global_database`), the payload must carry no nominal field and follow
the schema (`check_incoming`), and its sender country must be the peer's. A submission or a
correction replaces what was stored for that record (an older version never replaces a newer
one: deliveries may arrive out of order), a withdrawal empties it. Every receipt is audited with
the payload's hash. Nothing here edits a received record otherwise: there is no mutation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.search.events import enqueue_index
from core.sharing.global_search import ENTITY_TYPE
from core.sharing.models import ReceivedRecord
from core.sharing.payload import payload_sha256
from core.sharing.receive import PayloadRefused, check_incoming

if TYPE_CHECKING:
    from core.instance import Instance


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers: stored, or ignored as older than what it holds."""

    record_id: int
    stored: bool
    payload_sha256: str


async def receive_global(
    instance: Instance,
    payload: Any,
    *,
    sender: str,
    sender_country: str,
    session: AsyncSession | None = None,
) -> Receipt:
    """Check and store one payload; in `session` when given (the transport's own transaction,
    with its idempotency record), else in a transaction of its own."""
    if session is not None:
        return await _receive(instance, session, payload, sender, sender_country)
    async with instance.db.transaction() as own:
        return await _receive(instance, own, payload, sender, sender_country)


async def _receive(
    instance: Instance, session: AsyncSession, payload: Any, sender: str, sender_country: str
) -> Receipt:
    if not instance.config.sharing.global_database:
        raise PayloadRefused(
            "NOT_GLOBAL", "this instance is not the global database (ncen.sharing)", []
        )
    check_incoming(instance, payload)
    if payload["sender"]["country"] != sender_country:
        raise PayloadRefused(
            "SENDER_MISMATCH",
            f"the payload says it comes from {payload['sender']['country']}, "
            f"the peer is of {sender_country}",
            ["sender.country"],
        )
    record, kind = payload["record"], payload["kind"]
    digest = payload_sha256(payload)
    row = await session.scalar(
        select(ReceivedRecord).where(
            ReceivedRecord.sender == sender,
            ReceivedRecord.entity_type == record["type"],
            ReceivedRecord.source_id == record["id"],
        )
    )
    newer = row is not None and (row.version or 0) > (record["version"] or 0)
    stored = not newer
    if row is None:
        row = ReceivedRecord(
            sender=sender,
            sender_country=sender_country,
            entity_type=record["type"],
            source_id=record["id"],
            received_at=utcnow(),
        )
        session.add(row)
    if stored:
        row.version = record["version"]
        row.data = None if kind == "withdrawal" else payload["data"]
        row.withdrawn_at = utcnow() if kind == "withdrawal" else None
        row.payload_sha256 = digest
        row.updated_at = utcnow()
    await session.flush()
    if stored:
        enqueue_index(session, ENTITY_TYPE, row.id)  # a withdrawn record leaves the index
    await audit.record(
        session,
        actor=f"peer:{sender}",
        action="sharing.received",
        entity_type=record["type"],
        entity_id=row.id,
        detail={
            "sender": sender,
            "country": sender_country,
            "sourceId": record["id"],
            "kind": kind,
            "payloadSha256": digest,
            "stored": stored,
        },
    )
    return Receipt(row.id, stored, digest)
