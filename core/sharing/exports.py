"""The export log to the global database, driven by record events, and the seam for the sender.

What is queued: in `automatic` mode, a record of a global type when it is validated (a
*submission*, or a *correction* once something was sent for it); in `manual` mode, the records a
user queues (`queue_records`). In both, a validated record already sent that is validated again
after an edit is queued as a correction, and one deleted or erased as a *withdrawal*. Each entry
keeps the exact payload (`core.sharing.payload`) and its SHA-256, and goes pending -> sent ->
acknowledged, or failed (and is retried by the outbox).

Sending is not done here: a `GlobalPeerSender` does it. icomm's transport implements one (a
peer of kind *global*, signed envelopes, receipts) and installs it with `set_global_sender`;
until one is installed, entries stay pending, and `dispatch_pending` queues them again for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.outbox import OutboxEvent, PartialFailure, enqueue, first_delivery
from core.records import lifecycle
from core.records.registry import record_registry
from core.sharing.checks import forget_record
from core.sharing.models import GLOBAL_PEER, ExportEntry
from core.sharing.payload import payload_sha256, record_payload

if TYPE_CHECKING:
    from core.events import RecordEvent
    from core.instance import Instance
    from core.records import RecordType

SEND_TOPIC = "core.sharing.send"
_SENDER_KEY = "sharing.global_sender"
_CONSUMER = "core.sharing.global_export"


@dataclass(frozen=True)
class Delivery:
    """One payload for the global peer, as the sender receives it."""

    entry_id: int
    peer: str
    kind: str
    entity_type: str
    entity_id: str
    payload: dict[str, Any]
    payload_sha256: str


class GlobalPeerSender(Protocol):
    """Delivers payloads to the global database (icomm's transport implements this).

    `send` returns once the peer has taken the payload (the entry becomes *sent*) and raises if
    it could not (the entry becomes *failed* and the outbox retries with back-off). It must be
    idempotent on `entry_id`: a delivery may be repeated after a crash. When the peer's receipt
    arrives, the transport calls `acknowledge(instance, entry_id)`."""

    async def send(self, delivery: Delivery) -> None: ...


def set_global_sender(instance: Instance, sender: GlobalPeerSender | None) -> None:
    instance.state[_SENDER_KEY] = sender


def global_sender(instance: Instance) -> GlobalPeerSender | None:
    return instance.state.get(_SENDER_KEY)


@dataclass(frozen=True)
class ExportReader:
    """The principal sharing reads records as: it sees every non-draft record of the types it
    exports, and nothing else (record events carry names, never values)."""

    permissions: frozenset[str]

    @property
    def is_authenticated(self) -> bool:
        return True

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def is_global_type(instance: Instance, rt: RecordType[Any, Any], entity_type: str) -> bool:
    wanted = instance.config.sharing.global_types
    return rt.name in wanted or entity_type in wanted


async def last_entry(
    session: AsyncSession, entity_type: str, entity_id: str, peer: str = GLOBAL_PEER
) -> ExportEntry | None:
    return await session.scalar(
        select(ExportEntry)
        .where(
            ExportEntry.peer == peer,
            ExportEntry.entity_type == entity_type,
            ExportEntry.entity_id == entity_id,
        )
        .order_by(ExportEntry.id.desc())
        .limit(1)
    )


def next_kind(last: ExportEntry | None) -> str:
    """What sending a record now is: the first time (or after a withdrawal) a submission."""
    return "correction" if last is not None and last.kind != "withdrawal" else "submission"


async def _queue(
    instance: Instance,
    session: AsyncSession,
    entity_type: str,
    entity_id: str,
    version: int | None,
    kind: str,
    payload: dict[str, Any],
    actor: object,
) -> ExportEntry:
    who = audit.actor_of(actor)
    entry = ExportEntry(
        peer=GLOBAL_PEER,
        entity_type=entity_type,
        entity_id=entity_id,
        record_version=version,
        kind=kind,
        status="pending",
        payload=payload,
        payload_sha256=payload_sha256(payload),
        attempts=0,
        queued_by=who.name,
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    enqueue(session, SEND_TOPIC, {"entry": entry.id})
    # LED 2016/680 art. 25: every transmission is logged, with what was sent (its hash).
    await audit.record(
        session,
        actor=actor,
        action="sharing.export_queued",
        entity_type=entity_type,
        entity_id=entity_id,
        detail={
            "peer": GLOBAL_PEER,
            "kind": kind,
            "entry": entry.id,
            "payloadSha256": entry.payload_sha256,
        },
    )
    return entry


async def queue_record(
    instance: Instance,
    session: AsyncSession,
    rt: RecordType[Any, Any],
    record: Any,
    actor: object,
) -> ExportEntry:
    """Queue a validated record (loaded with its children) for the global database."""
    entity_type = rt.entity_type_of(record)
    last = await last_entry(session, entity_type, str(record.id))
    kind = next_kind(last)
    payload = await record_payload(instance, session, rt, record, kind)
    return await _queue(
        instance,
        session,
        entity_type,
        str(record.id),
        getattr(record, "version", None),
        kind,
        payload,
        actor,
    )


def reader_for(rt: RecordType[Any, Any]) -> ExportReader:
    return ExportReader(frozenset({rt.view_permission}))


def exportable(rt: RecordType[Any, Any], record: Any) -> bool:
    """Only validated records leave (records without a workflow: as they are)."""
    return rt.workflow is None or getattr(record, "status", None) == "validated"


async def on_record_event(instance: Instance, event: RecordEvent) -> None:
    """The record-event subscriber: queue what the mode asks for, once per event."""
    rt = record_registry(instance).get(event.entity_type)
    if rt is None:
        return
    gone = event.action in ("deleted", "erased")
    mode = instance.config.sharing.global_export
    async with instance.db.transaction() as session:
        if not await first_delivery(session, _CONSUMER, event.event_id):
            return
        if gone:
            await forget_record(session, event.entity_type, event.entity_id)
        if mode == "off" or not is_global_type(instance, rt, event.entity_type):
            return
        last = await last_entry(session, event.entity_type, event.entity_id)
        if gone:
            if last is not None and last.kind != "withdrawal":
                payload = await _withdrawal(instance, event)
                await _queue(
                    instance,
                    session,
                    event.entity_type,
                    event.entity_id,
                    event.version,
                    "withdrawal",
                    payload,
                    "ncen",
                )
            return
        triggers = ("validated",) if rt.workflow is not None else ("created", "updated")
        if event.action not in triggers:
            return
        if mode == "manual" and next_kind(last) == "submission":
            return  # a user queues first submissions in manual mode
        record = await lifecycle.read(session, rt, int(event.entity_id), reader_for(rt))
        if record is None or not exportable(rt, record):
            return  # changed again since: a later event decides
        version = getattr(record, "version", None)
        if last is not None and last.kind != "withdrawal" and last.record_version == version:
            return  # this version is queued already (an earlier event read it)
        await queue_record(instance, session, rt, record, "ncen")


async def _withdrawal(instance: Instance, event: RecordEvent) -> dict[str, Any]:
    from core.sharing.payload import envelope

    return envelope(instance, event.entity_type, event.entity_id, event.version, "withdrawal", None)


async def queue_records(
    instance: Instance,
    session: AsyncSession,
    principal: Any,
    rt: RecordType[Any, Any],
    record_ids: Sequence[int],
) -> list[ExportEntry]:
    """Manual batches: queue these records (each must be visible to `principal` and
    validated) for the global database."""
    from core.gql.errors import ConflictError, NotFoundError

    records = await lifecycle.read_many(session, rt, list(record_ids), principal)
    entries = []
    for record_id, record in zip(record_ids, records, strict=True):
        if record is None:
            raise NotFoundError(f"no such {rt.noun}: {record_id}", field="ids")
        if not exportable(rt, record):
            raise ConflictError(
                f"{rt.noun} {record_id} is not validated: only validated records are sent",
                field="ids",
                code="NOT_VALIDATED",
            )
        entries.append(await queue_record(instance, session, rt, record, principal))
    return entries


# --- delivery ---------------------------------------------------------------------------------


async def deliver(instance: Instance, rows: Sequence[OutboxEvent]) -> None:
    """Outbox handler of SEND_TOPIC: hand each pending entry to the sender, if there is one."""
    sender = global_sender(instance)
    failed: dict[int, str] = {}
    for row in rows:
        async with instance.db.session() as session:
            entry = await session.get(ExportEntry, row.payload["entry"])
            if entry is None or entry.status in ("sent", "acknowledged") or sender is None:
                continue
            delivery = Delivery(
                entry.id,
                entry.peer,
                entry.kind,
                entry.entity_type,
                entry.entity_id,
                dict(entry.payload),
                entry.payload_sha256,
            )
        try:
            await sender.send(delivery)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            await _set_status(instance, delivery.entry_id, "failed", error=error)
            failed[row.id] = error
            continue
        await _set_status(instance, delivery.entry_id, "sent")
    if failed:
        raise PartialFailure(failed)


async def _set_status(
    instance: Instance,
    entry_id: int,
    status: str,
    *,
    error: str | None = None,
    session: AsyncSession | None = None,
) -> ExportEntry | None:
    if session is None:
        async with instance.db.transaction() as own:
            return await _set_status(instance, entry_id, status, error=error, session=own)
    entry = await session.get(ExportEntry, entry_id)
    if entry is None:
        return None
    if entry.status == "acknowledged" and status != "acknowledged":
        return entry  # the receipt may come back before `send` returns: never step back
    if status in ("sent", "failed"):
        entry.attempts += 1
    if status == "sent":
        entry.sent_at, entry.error = utcnow(), None
        await audit.record(
            session,
            actor="ncen",
            action="sharing.export_sent",
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            detail={"peer": entry.peer, "kind": entry.kind, "entry": entry.id},
        )
    if status == "failed":
        entry.error = (error or "")[:2000]
    if status == "acknowledged":
        entry.acknowledged_at = utcnow()
        entry.error = None
    entry.status = status
    return entry


async def acknowledge(
    instance: Instance, entry_id: int, session: AsyncSession | None = None
) -> ExportEntry | None:
    """The peer's receipt arrived (called by the transport, in its transaction if it passes
    one): the entry is acknowledged."""
    return await _set_status(instance, entry_id, "acknowledged", session=session)


async def dispatch_pending(instance: Instance) -> int:
    """Queue every pending or failed entry for the sender again (after one is installed)."""
    async with instance.db.transaction() as session:
        ids = list(
            await session.scalars(
                select(ExportEntry.id)
                .where(ExportEntry.status.in_(("pending", "failed")))
                .order_by(ExportEntry.id)
            )
        )
        for entry_id in ids:
            enqueue(session, SEND_TOPIC, {"entry": entry_id})
    return len(ids)


BATCH_CHUNK = 500


async def last_kinds(
    session: AsyncSession, entity_type: str, entity_ids: Sequence[str]
) -> dict[str, str]:
    """Entity id -> the kind of the last entry queued for it (one query)."""
    from sqlalchemy import func

    latest = (
        select(ExportEntry.entity_id, func.max(ExportEntry.id).label("last"))
        .where(
            ExportEntry.peer == GLOBAL_PEER,
            ExportEntry.entity_type == entity_type,
            ExportEntry.entity_id.in_(list(entity_ids)),
        )
        .group_by(ExportEntry.entity_id)
        .subquery()
    )
    rows = await session.execute(
        select(ExportEntry.entity_id, ExportEntry.kind).join(
            latest, ExportEntry.id == latest.c.last
        )
    )
    return {entity_id: kind for entity_id, kind in rows}


async def batch_payloads(
    instance: Instance, since: Any = None, entity_types: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The payloads of every validated record of the global types (validated since `since`,
    a datetime), as a batch file carries them: read in chunks of BATCH_CHUNK records, with a
    constant number of queries per chunk."""
    from core.sharing.payload import record_payloads

    payloads: list[dict[str, Any]] = []
    wanted = set(entity_types or instance.config.sharing.global_types)
    for rt in record_registry(instance):
        if rt.name not in wanted:
            continue
        model: Any = rt.model
        after = 0
        while True:
            query = select(model).where(model.id > after).order_by(model.id).limit(BATCH_CHUNK)
            if rt.workflow is not None:
                query = query.where(model.status == "validated")
                if since is not None:
                    query = query.where(model.validated_at >= since)
            async with instance.db.session() as session:
                records = list((await session.scalars(rt.load(query))).unique())
                if not records:
                    break
                after = records[-1].id
                kinds = []
                for entity_type in {rt.entity_type_of(r) for r in records}:
                    ids = [str(r.id) for r in records if rt.entity_type_of(r) == entity_type]
                    last = await last_kinds(session, entity_type, ids)
                    kinds.append((entity_type, last))
                last_of = {(t, i): k for t, found in kinds for i, k in found.items()}
                wanted_kinds = [
                    "correction"
                    if last_of.get((rt.entity_type_of(r), str(r.id)), "withdrawal") != "withdrawal"
                    else "submission"
                    for r in records
                ]
                payloads += await record_payloads(instance, session, rt, records, wanted_kinds)
    return payloads
