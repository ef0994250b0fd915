"""The sending side of the transport: the outbox handler that delivers queued envelopes.

Rows of the `icomm.envelope` topic name an outgoing envelope. The handler groups a batch by
peer and posts each group in requests of `batch_envelopes`, every envelope signed at the time
of the attempt (so the receiver's replay window holds however long the peer was down) with
its stable id (so the receiver applies it once however often it arrives). The peer answers
with receipts signed by its key. A peer that cannot be reached, or answers with anything but
verifiable receipts, fails its rows: the outbox retries them with exponential back-off, also
after a restart. A refusal by the peer is final (the message shows `failed` and why). Every
attempt's outcome is audited with the legal basis it was sent under.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import select

from core.audit.writer import SYSTEM, record_each
from core.db import utcnow
from core.instance import Instance
from core.instance_key import public_key_from_hex
from core.outbox import OutboxEvent, OutboxHandler, PartialFailure, enqueue, hasten
from plugins.icomm import transfer
from plugins.icomm.envelopes import (
    MESSAGE_KIND,
    RECORD_KIND,
    Envelope,
    EnvelopeRefused,
    sign,
    size,
    timestamp,
    verify_document,
)
from plugins.icomm.keys import own_key_id, signing_key
from plugins.icomm.messaging import ENVELOPE_TOPIC
from plugins.icomm.models import DELIVERED, FAILED, QUEUED, READ, SEND, Message, Peer, Thread
from plugins.icomm.models import Envelope as EnvelopeRow
from plugins.icomm.peers import valid_agreement
from plugins.icomm.receive import ACCEPTED, DUPLICATE, ENTITY
from plugins.icomm.shares import agreement_still_valid

log = logging.getLogger("ncen.icomm")
INBOUND_PATH = "/modules/icomm/envelopes"
_CLIENT = "icomm.http_client"
HANDLER = "icomm.deliver"


def handlers(instance: Instance) -> list[OutboxHandler]:
    async def handle(events: Sequence[OutboxEvent]) -> None:
        await deliver(instance, events)

    return [OutboxHandler((ENVELOPE_TOPIC,), handle, name=HANDLER)]


def client(instance: Instance) -> httpx.AsyncClient:
    found = instance.state.get(_CLIENT)
    if found is None:
        timeout = instance.settings("icomm").delivery_timeout_seconds
        found = instance.state[_CLIENT] = httpx.AsyncClient(timeout=timeout)
    return found


async def close(instance: Instance) -> None:
    found = instance.state.pop(_CLIENT, None)
    if found is not None:
        await found.aclose()


def _message_body(message: Message, thread: Thread, photos: list[dict[str, Any]]) -> dict[str, Any]:
    local = [r.rsplit("@", 1)[0] for r in message.recipients if "@" in r]
    body: dict[str, Any] = {
        "thread": thread.uid,
        "subject": thread.subject,
        "message": message.uid,
        "author": message.author_name,
        "recipients": local or list(thread.peer_addresses),
        "body": message.body,
        "sent": timestamp(message.created_at),
    }
    if photos:
        body["attachments"] = photos
    return body


async def deliver(instance: Instance, events: Sequence[OutboxEvent]) -> None:
    by_row = {int(e.payload["envelope"]): e for e in events}
    async with instance.db.session() as session:
        rows = (
            await session.scalars(select(EnvelopeRow).where(EnvelopeRow.id.in_(list(by_row))))
        ).all()
        peers = {
            p.id: p
            for p in (
                await session.scalars(select(Peer).where(Peer.id.in_({r.peer_id for r in rows})))
            ).all()
        }
        message_ids = [r.message_id for r in rows if r.message_id is not None]
        messages = {
            m.id: m
            for m in (await session.scalars(select(Message).where(Message.id.in_(message_ids))))
        }
        threads = {
            t.id: t
            for t in (
                await session.scalars(
                    select(Thread).where(Thread.id.in_({m.thread_id for m in messages.values()}))
                )
            )
        }
        agreements = {pid: await valid_agreement(session, pid, SEND) for pid in peers}
        # A shared record leaves only while the agreement it was shared under allows it.
        shares_allowed = {
            key: await agreement_still_valid(session, *key)
            for key in {
                (r.peer_id, r.agreement_reference)
                for r in rows
                if r.kind == RECORD_KIND and r.peer_id is not None and r.agreement_reference
            }
        }
        photos = await transfer.outgoing(instance, session, message_ids)
    failed: dict[int, str] = {}  # outbox row id -> error (retried)
    outcomes: dict[int, tuple[str, str | None]] = {}  # envelope row id -> (status, error)
    groups: dict[int, list[EnvelopeRow]] = {}
    for row in rows:
        if row.status != QUEUED:
            continue  # delivered by an earlier attempt whose outcome was recorded
        peer = peers.get(row.peer_id) if row.peer_id is not None else None
        if peer is None:
            outcomes[row.id] = (FAILED, "the peer was removed")
        elif agreements[peer.id] is None:
            outcomes[row.id] = (FAILED, "no agreement valid today allows sending to the peer")
        elif row.kind == RECORD_KIND and not shares_allowed.get(
            (row.peer_id, row.agreement_reference)
        ):
            outcomes[row.id] = (
                FAILED,
                f"the agreement {row.agreement_reference!r} was revoked or is no longer valid",
            )
        else:
            groups.setdefault(peer.id, []).append(row)
    per_request = instance.settings("icomm").batch_envelopes
    request_bytes = instance.settings("icomm").max_request_bytes - 4096  # room for the wrapping
    key, sender = signing_key(instance), own_key_id(instance)
    for peer_id, group in groups.items():
        peer, agreement = peers[peer_id], agreements[peer_id]
        assert agreement is not None
        signed: list[tuple[EnvelopeRow, dict[str, Any], int]] = []
        for row in group:
            if row.kind == MESSAGE_KIND:
                message = messages[row.message_id]  # type: ignore[index]
                body = _message_body(
                    message, threads[message.thread_id], photos.get(message.id, [])
                )
                if row.body.get("shares"):  # the records it refers to, shared just before
                    body["shares"] = list(row.body["shares"])
            elif row.kind == RECORD_KIND:
                body = await transfer.shared_photos(instance, dict(row.body))
            else:
                body = dict(row.body)
            envelope = Envelope(
                id=row.envelope_id,
                kind=row.kind,
                sender=sender,
                recipient=peer.key_id,
                sent_at=timestamp(),
                # A shared record travels under the agreement it was shared under.
                agreement=(
                    row.agreement_reference or agreement.reference
                    if row.kind == RECORD_KIND
                    else agreement.reference
                ),
                body=body,
            )
            wire = sign(envelope, key)
            signed.append((row, wire, size(wire)))
        for chunk_rows in _chunks(signed, per_request, request_bytes):
            chunk = [row for row, _, _ in chunk_rows]
            wires = [wire for _, wire, _ in chunk_rows]
            try:
                results = await _post(instance, peer, wires)
            except Exception as exc:  # unreachable, refused the request, bad answer: retry
                error = f"{peer.name}: {type(exc).__name__}: {exc}"[:500]
                for row in chunk:
                    failed[by_row[row.id].id] = error
                continue
            for row in chunk:
                result = results.get(row.envelope_id)
                if result is None:
                    failed[by_row[row.id].id] = f"{peer.name}: no receipt for the envelope"
                elif result.get("status") in (ACCEPTED, DUPLICATE):
                    outcomes[row.id] = (DELIVERED, None)
                else:
                    reason = f"{result.get('reason')}: {result.get('message')}"[:500]
                    outcomes[row.id] = (FAILED, f"refused by {peer.name}: {reason}")
    # A peer may be down for hours (maintenance, a network cut): rather than let the outbox
    # give up after `max_attempts`, a row about to run out of attempts is replaced by a fresh
    # one, until the envelope is `give_up_hours` old; then it fails.
    requeued: list[EnvelopeRow] = []
    give_up = dt.timedelta(hours=instance.settings("icomm").give_up_hours)
    last_attempt = instance.config.outbox.max_attempts
    for row in rows:
        event = by_row[row.id]
        if event.id not in failed or event.attempts < last_attempt - 1:
            continue
        if utcnow() - row.created_at >= give_up or event.attempts >= last_attempt:
            outcomes[row.id] = (FAILED, f"undelivered after {give_up}: {failed.pop(event.id)}")
        else:
            requeued.append(row)
    await _record(instance, rows, peers, agreements, outcomes, failed, by_row, requeued)
    for row in requeued:
        failed.pop(by_row[row.id].id, None)  # this row is done; its replacement retries
    recovered = any(
        by_row[row_id].attempts > 1 and status == DELIVERED
        for row_id, (status, _) in outcomes.items()
    )
    if recovered:  # a peer that was down answers again: its backlog need not wait
        await hasten(instance.db, HANDLER, exclude=[e.id for e in events])
        instance.outbox.notify()
    if failed:
        raise PartialFailure(failed)


def _chunks(signed, most: int, request_bytes: int):  # type: ignore[no-untyped-def]
    """Requests of at most `most` envelopes and `request_bytes` bytes (an envelope larger than
    that goes alone, and the peer says whether it takes it)."""
    chunk, total = [], 0
    for item in signed:
        if chunk and (len(chunk) >= most or total + item[2] > request_bytes):
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += item[2] + 2
    if chunk:
        yield chunk


async def _post(instance: Instance, peer: Peer, wires: list[dict[str, Any]]) -> dict[str, Any]:
    response = await client(instance).post(peer.url + INBOUND_PATH, json={"envelopes": wires})
    response.raise_for_status()
    document = verify_document(response.json(), public_key_from_hex(peer.public_key))
    if document.get("receiver") != peer.key_id:
        raise EnvelopeRefused("wrong_receiver", "receipts signed for another instance")
    return {str(r.get("id")): r for r in document.get("results", []) if isinstance(r, dict)}


async def _record(  # type: ignore[no-untyped-def]
    instance: Instance, rows, peers, agreements, outcomes, failed, by_row, requeued=()
) -> None:
    """Write each envelope's new status, in one transaction; a final outcome (delivered, or
    failed for good) is audited with the legal basis it was sent under. An attempt that will be
    retried only notes its error."""
    now = utcnow()
    touched = [r.id for r in rows if r.id in outcomes or by_row[r.id].id in failed]
    if not touched:
        return
    audited: dict[tuple[str, str, int | None, str | None], list[str]] = {}
    async with instance.db.transaction() as session:
        for row in requeued:
            enqueue(session, ENVELOPE_TOPIC, {"envelope": row.id})
        current = {
            r.id: r
            for r in (
                await session.scalars(select(EnvelopeRow).where(EnvelopeRow.id.in_(touched)))
            ).all()
        }
        for row in rows:
            envelope = current.get(row.id)
            if envelope is None:
                continue
            outcome = outcomes.get(row.id)
            envelope.updated_at = now
            if outcome is None:
                envelope.last_error = failed[by_row[row.id].id]
                continue
            status, error = outcome
            if not (status == DELIVERED and envelope.status == READ):
                envelope.status = status
            envelope.last_error = error
            if row.kind == RECORD_KIND:
                envelope.body = {}  # what left is logged by its hash (icomm_share); no copy stays
            action = "icomm.envelope.sent" if status == DELIVERED else "icomm.envelope.failed"
            audited.setdefault((action, row.kind, row.peer_id, error), []).append(row.envelope_id)
        # One audit event per envelope, appended per kind of outcome in one batch each.
        for (action, kind, peer_id, error), envelope_ids in audited.items():
            peer = peers.get(peer_id)
            agreement = agreements.get(peer_id)
            await record_each(
                session,
                actor=SYSTEM,
                action=action,
                entity_type=ENTITY,
                entity_ids=envelope_ids,
                detail={
                    "kind": kind,
                    "peer": peer.name if peer else None,
                    "legal_basis": agreement.legal_basis[:500] if agreement else None,
                    "agreement": agreement.reference if agreement else None,
                    "error": error,
                },
            )
