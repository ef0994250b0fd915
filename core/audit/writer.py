"""Append events to the hash-chained audit log, inside the caller's write transaction.

Each row carries `prev_hash` (the previous row's `hash`) and its own `hash`, the SHA-256 of a
canonical JSON of its content and `prev_hash`. Appends are serialised so the chain cannot fork:
on PostgreSQL by a transaction-level advisory lock, on SQLite by BEGIN IMMEDIATE (every
`Database.transaction()`); the gap-free `seq` primary key refuses a fork in any case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditConsultation, AuditEvent
from core.auth.principal import UserPrincipal
from core.bulk_insert import insert_many
from core.db import utcnow

GENESIS_HASH = "0" * 64
CHAIN_LOCK_KEY = 7301002
_CHAIN_LOCK = text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
# A declarative model's `__table__` is typed as any FromClause; these are tables.
_EVENT_TABLE = cast(Table, AuditEvent.__table__)
_CONSULTATION_TABLE = cast(Table, AuditConsultation.__table__)
PURPOSE_HEADER = "ncen-purpose"
MAX_PURPOSE_LENGTH = 500


@dataclass(frozen=True)
class Actor:
    """Who did it, as written in the log: `type` is user, token, cli, system or anonymous."""

    type: str
    id: str | None = None
    name: str | None = None


SYSTEM = Actor("system", None, "ncen")
ANONYMOUS_ACTOR = Actor("anonymous")


def actor_of(actor: object) -> Actor:
    """Accept an Actor, a request principal, or a plain string naming a system actor."""
    if isinstance(actor, Actor):
        return actor
    if isinstance(actor, UserPrincipal):
        kind = "user" if actor.via == "session" else "token"
        return Actor(kind, str(actor.user_id), actor.username)
    if isinstance(actor, str):
        return Actor("system", None, actor)
    return ANONYMOUS_ACTOR


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# One encoder for every hash: `json.dumps` with these options builds a new encoder per call,
# which cost more than the encoding of an event.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical JSON of every column but `hash` itself."""
    return content_hash(
        {
            "seq": event.seq,
            "occurred_at": canonical_time(event.occurred_at),
            "actor_type": event.actor_type,
            "actor_id": event.actor_id,
            "actor_name": event.actor_name,
            "action": event.action,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "fields": event.fields,
            "purpose": event.purpose,
            "detail": event.detail,
            "prev_hash": event.prev_hash,
        }
    )


def content_hash(content: dict[str, Any]) -> str:
    """The hash of an event given as its columns but `hash` (`occurred_at` as canonical
    text): what `event_hash` computes of the stored row."""
    return hashlib.sha256(_CANONICAL(content).encode("utf-8")).hexdigest()


async def record(
    session: AsyncSession,
    *,
    actor: object,
    action: str,
    entity_type: str | None = None,
    entity_id: object | None = None,
    fields: Sequence[str] | None = None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's write transaction (it commits or rolls back with it)."""
    [row] = await _append(
        session,
        actor,
        action,
        entity_type,
        [entity_id],
        fields=fields,
        purpose=purpose,
        detail=detail,
    )
    return AuditEvent(**row)  # not attached to the session


async def record_many(
    session: AsyncSession,
    *,
    actor: object,
    action: str,
    events: Sequence[tuple[str | None, object | None, Sequence[str] | None, dict[str, Any] | None]],
    purpose: str | None = None,
) -> None:
    """Append one event per (entity type, entity id, fields, detail) together: one chain-head
    read and one insert batch for a batch of writes (imports, bulk upserts)."""
    if events:
        await _append(session, actor, action, None, [], purpose=purpose, entries=events)


async def record_each(
    session: AsyncSession,
    *,
    actor: object,
    action: str,
    entity_type: str | None,
    entity_ids: Sequence[object],
    detail: dict[str, Any] | None = None,
) -> None:
    """One event per entity id, alike but for the id, appended together (one chain-head read
    and one insert batch): for batches such as the envelopes of one delivery."""
    if entity_ids:
        await _append(session, actor, action, entity_type, entity_ids, detail=detail)


async def record_consultation(
    session: AsyncSession,
    *,
    actor: object,
    entity_type: str,
    entity_ids: Sequence[object],
    purpose: str | None = None,
) -> None:
    """One `record.view` event naming every record of `entity_type` served that holds nominal
    data (`detail.ids`; `entity_id` too when there is one), and one row per record in the
    consultation index (`core_audit_consultation`), by which the consultations of a record are
    found: one hash and two inserts whatever the number of records."""
    if not entity_ids:
        return
    ids = [str(i) for i in entity_ids]
    [event] = await _append(
        session,
        actor,
        "record.view",
        entity_type,
        [ids[0] if len(ids) == 1 else None],
        purpose=purpose,
        detail={"ids": ids},
    )
    await session.execute(
        insert(_CONSULTATION_TABLE),
        [{"seq": event["seq"], "entity_type": entity_type, "entity_id": i} for i in ids],
    )


async def _append(
    session: AsyncSession,
    actor: object,
    action: str,
    entity_type: str | None,
    entity_ids: Sequence[object],
    *,
    fields: Sequence[str] | None = None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
    entries: Sequence[
        tuple[str | None, object | None, Sequence[str] | None, dict[str, Any] | None]
    ] = (),
) -> list[dict[str, Any]]:
    """Append one event per entity id (or per entry: entity type, id, fields, detail), chained
    after the current head, under the chain lock."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_CHAIN_LOCK)
    head = (await session.execute(_HEAD)).first()  # flushes the caller's pending changes first
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    who = actor_of(actor)
    now = utcnow()
    # What every event of the append shares, as hashed (`occurred_at` as canonical text).
    common = {
        "occurred_at": canonical_time(now),
        "actor_type": who.type,
        "actor_id": who.id,
        "actor_name": who.name,
        "action": action,
        "purpose": purpose[:MAX_PURPOSE_LENGTH] if purpose else None,
    }
    rows = []
    items = entries or [(entity_type, entity_id, fields, detail) for entity_id in entity_ids]
    for kind, entity_id, names, extra in items:
        seq += 1
        row = {
            **common,
            "seq": seq,
            "entity_type": kind,
            "entity_id": None if entity_id is None else str(entity_id),
            "fields": sorted(names) if names is not None else None,
            "detail": extra,
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = content_hash(row)
        row["occurred_at"] = now
        rows.append(row)
    # A Core insert of plain rows: the events are never changed again, so ORM objects (and the
    # unit of work) would only add cost (a batch of 500 events: about half of the append).
    await insert_many(session, _EVENT_TABLE, rows)
    return rows


def request_purpose(headers: Any) -> str | None:
    """The purpose the client declared for this request (`Ncen-Purpose` header), if any."""
    value = (headers.get(PURPOSE_HEADER) or "").strip() if headers is not None else ""
    return value[:MAX_PURPOSE_LENGTH] or None
