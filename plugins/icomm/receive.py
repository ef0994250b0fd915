"""The receiving side of the transport: checks every envelope, applies each at most once.

An envelope is refused — and the refusal audited — when it is too large or malformed, comes
from a key no registered peer holds, carries a signature that does not verify, is meant for
another instance, was signed outside the replay window, or has no agreement valid today for
receiving from its peer. One already received (its id seen from that peer) is not applied
again: the answer says `duplicate`, which the sender takes as delivered, and the audit log
keeps the attempt. A batch is applied in one transaction; the answer is signed with this
instance's key so that the sender can trust its receipts.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import Actor, record, record_each
from core.db import utcnow
from core.gql.errors import InputError
from core.instance import Instance
from core.instance_key import public_key_from_hex
from plugins.icomm import addresses as addr
from plugins.icomm.envelopes import (
    MESSAGE_KIND,
    RECORD_KIND,
    SHARE_KIND,
    Envelope,
    EnvelopeRefused,
    parse,
    parse_timestamp,
    size,
    verify,
)
from plugins.icomm.keys import own_key_id
from plugins.icomm.messaging import (
    ATTACHMENT_ENTITY,
    MAX_REFERENCES,
    SHARE_REFERENCE,
    Author,
    add_message,
    start_thread,
)
from plugins.icomm.models import (
    DELIVERED,
    IN,
    OUT,
    READ,
    RECEIVE,
    RECEIVED,
    Agreement,
    Message,
    Peer,
    Thread,
)
from plugins.icomm.models import Envelope as EnvelopeRow
from plugins.icomm.peers import valid_agreement
from plugins.icomm.transfer import BAD

log = logging.getLogger("ncen.icomm")
ENTITY = "IcommEnvelope"
ACCEPTED, DUPLICATE, REFUSED = "delivered", "duplicate", "refused"


@dataclass
class Checked:
    envelope: Envelope
    peer: Peer
    agreement: Agreement


def _actor(peer: Peer | None) -> Actor:
    return Actor("peer", peer.key_id if peer else None, peer.name if peer else "unknown peer")


async def _peer(session: AsyncSession, key: str) -> Peer | None:
    """The peer holding `key`, looked up once per batch (the session's transaction)."""
    cache = session.info.setdefault("icomm.peers", {})
    if key not in cache:
        cache[key] = (await session.scalars(select(Peer).where(Peer.key_id == key))).first()
    return cache[key]


async def _agreement(session: AsyncSession, peer_id: int, now: dt.datetime) -> Agreement | None:
    cache = session.info.setdefault("icomm.agreements", {})
    if peer_id not in cache:
        cache[peer_id] = await valid_agreement(session, peer_id, RECEIVE, now.date())
    return cache[peer_id]


async def _check(
    session: AsyncSession, instance: Instance, wire: Any, now: dt.datetime
) -> tuple[Checked | None, Peer | None, EnvelopeRefused | None, str | None]:
    settings = instance.settings("icomm")
    envelope_id = None
    try:
        if size(wire) > settings.max_envelope_bytes:
            raise EnvelopeRefused("too_large", f"over {settings.max_envelope_bytes} bytes")
        envelope, data, signature = parse(wire)
        envelope_id = envelope.id
        peer = await _peer(session, envelope.sender)
        if peer is None:
            raise EnvelopeRefused("unknown_peer", f"no peer holds key {envelope.sender}")
    except EnvelopeRefused as refused:
        return None, None, refused, envelope_id
    try:
        verify(data, signature, public_key_from_hex(peer.public_key))
        if envelope.recipient != own_key_id(instance):
            raise EnvelopeRefused("wrong_recipient", "the envelope is for another instance")
        try:
            signed_at = parse_timestamp(envelope.sent_at)
        except ValueError:
            raise EnvelopeRefused("malformed", "sent_at is not a timestamp") from None
        window = dt.timedelta(seconds=settings.replay_window_seconds)
        if abs(now - signed_at) > window:
            raise EnvelopeRefused("stale", "signed outside the replay window (a replay?)")
        agreement = await _agreement(session, peer.id, now)
        if agreement is None:
            raise EnvelopeRefused("no_agreement", "no agreement valid today for receiving")
    except EnvelopeRefused as refused:
        return None, peer, refused, envelope_id
    return Checked(envelope, peer, agreement), peer, None, envelope_id


async def receive(
    instance: Instance, wires: list[Any], photos: dict[str, list[str] | str] | None = None
) -> list[dict[str, Any]]:
    """Check and apply a batch of envelopes; one result per envelope, in order. `photos`: the
    attachments already stored for envelopes that carry some (plugins/icomm/transfer.py)."""
    now = utcnow()
    results: list[dict[str, Any]] = []
    # Audit events, one per envelope, appended per (action, peer, kind) in one batch each.
    audited: dict[tuple[str, int | None, str | None], tuple[Peer | None, dict, list]] = {}
    async with instance.db.transaction() as session:
        known = await _known(session, wires)
        for wire in wires:
            checked, peer, refused, envelope_id = await _check(session, instance, wire, now)
            status = REFUSED
            if refused is None:
                assert checked is not None
                try:
                    # Every refusal is decided before the envelope writes anything, so a
                    # refused envelope needs no savepoint to leave no trace.
                    status = await _apply(instance, session, checked, known, photos or {})
                except EnvelopeRefused as exc:
                    refused = exc
            if refused is not None:
                log.warning("icomm: refused envelope %s: %s", envelope_id, refused)
                # Refusals are audited one by one: their reasons differ.
                await record(
                    session,
                    actor=_actor(peer),
                    action="icomm.envelope.refused",
                    entity_type=ENTITY,
                    entity_id=envelope_id,
                    detail={"reason": refused.reason, "message": str(refused)[:300]},
                )
                message = str(refused)[:300]
                results.append(
                    {
                        "id": envelope_id,
                        "status": REFUSED,
                        "reason": refused.reason,
                        "message": message,
                    }
                )
                continue
            assert checked is not None
            action = "icomm.envelope.received" if status == ACCEPTED else "icomm.envelope.replayed"
            key = (action, checked.peer.id, checked.envelope.kind)
            if key not in audited:
                detail = {
                    "kind": checked.envelope.kind,
                    "peer": checked.peer.name,
                    "legal_basis": checked.agreement.legal_basis[:500],
                    "agreement": checked.agreement.reference,
                    "their_agreement": checked.envelope.agreement[:200],
                }
                audited[key] = (checked.peer, detail, [])
            audited[key][2].append(checked.envelope.id)
            results.append({"id": checked.envelope.id, "status": status})
        for (action, _, _), (peer, detail, envelope_ids) in audited.items():
            await record_each(
                session,
                actor=_actor(peer),
                action=action,
                entity_type=ENTITY,
                entity_ids=envelope_ids,
                detail=detail,
            )
    return results


@dataclass
class Known:
    """What the batch's envelopes name that exists already, read in two queries for the whole
    batch: envelopes received (peer id, envelope id) and message uids."""

    envelopes: set[tuple[int | None, str]]
    messages: set[str]


def _claimed(wire: Any, *path: str) -> str | None:
    """A value an envelope claims (not yet verified), for the batch's look-ups."""
    value = wire
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


async def _known(session: AsyncSession, wires: list[Any]) -> Known:
    ids = {v for w in wires if (v := _claimed(w, "envelope", "id"))}
    uids = {v for w in wires if (v := _claimed(w, "envelope", "body", "message"))}
    envelopes = set()
    if ids:
        rows = await session.execute(
            select(EnvelopeRow.peer_id, EnvelopeRow.envelope_id).where(
                EnvelopeRow.direction == IN, EnvelopeRow.envelope_id.in_(ids)
            )
        )
        envelopes = {(peer_id, envelope_id) for peer_id, envelope_id in rows.all()}
    messages = set()
    if uids:
        messages = set(
            (await session.scalars(select(Message.uid).where(Message.uid.in_(uids)))).all()
        )
    return Known(envelopes, messages)


async def _apply(
    instance: Instance,
    session: AsyncSession,
    checked: Checked,
    known: Known,
    photos: dict[str, list[str] | str],
) -> str:
    envelope, peer = checked.envelope, checked.peer
    key = (peer.id, envelope.id)
    if key in known.envelopes:
        return DUPLICATE
    message_id = None
    if envelope.kind == MESSAGE_KIND:
        stored = photos.get(envelope.id, [])
        if (envelope.body.get("attachments") and not stored) or stored == BAD:
            raise EnvelopeRefused("bad_attachment", "an attachment is not an acceptable image")
        message_id = await _apply_message(session, peer, envelope.body, known)
        for attachment_id in stored:
            await instance.attachments.adopt(session, attachment_id, ATTACHMENT_ENTITY, message_id)
    elif envelope.kind == SHARE_KIND:
        from plugins.icomm.global_peer import receive_share

        await receive_share(instance, session, peer, envelope.body)
    elif envelope.kind == RECORD_KIND:
        from plugins.icomm.shares import receive_record
        from plugins.icomm.transfer import SHARED_PHOTOS

        stored = photos.get(envelope.id, [])
        if (envelope.body.get(SHARED_PHOTOS) and not stored) or stored == BAD:
            raise EnvelopeRefused("bad_attachment", "a photo is not an acceptable image")
        await receive_record(instance, session, peer, envelope, list(stored))
    else:
        await _apply_receipt(session, peer, envelope.body)
    now = utcnow()
    session.add(
        EnvelopeRow(
            envelope_id=envelope.id,
            direction=IN,
            kind=envelope.kind,
            peer_id=peer.id,
            message_id=message_id,
            body={},
            status=RECEIVED,
            agreement_reference=checked.agreement.reference,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    known.envelopes.add(key)
    return ACCEPTED


def _text(body: dict[str, Any], key: str, limit: int) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise EnvelopeRefused("malformed", f"{key}: 1 to {limit} characters")
    return value


async def _apply_message(
    session: AsyncSession, peer: Peer, body: dict[str, Any], known: Known
) -> int:
    thread_uid = _text(body, "thread", 36)
    message_uid = _text(body, "message", 36)
    if message_uid in known.messages:
        raise EnvelopeRefused("malformed", "a message with this id exists already")
    author = _text(body, "author", 100)
    text = _text(body, "body", 1_000_000)
    if body.get("references"):  # local ids of the sender mean nothing here
        raise EnvelopeRefused("malformed", "records travel as shares, not as references")
    shares = body.get("shares", [])
    if (
        not isinstance(shares, list)
        or len(shares) > MAX_REFERENCES
        or not all(isinstance(u, str) and 0 < len(u) <= 36 for u in shares)
    ):
        raise EnvelopeRefused("malformed", f"shares: at most {MAX_REFERENCES} share ids")
    raw = body.get("recipients")
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise EnvelopeRefused("malformed", "recipients: a list of addresses")
    try:
        recipients = addr.parse_all(raw)
        if any(a.peer for a in recipients):
            raise InputError("an address of a third instance")
        users = await _local_users(session, recipients)
    except InputError as exc:
        raise EnvelopeRefused("unknown_recipient", str(exc)) from None
    thread = (await session.scalars(select(Thread).where(Thread.uid == thread_uid))).first()
    if thread is None:
        subject = _text(body, "subject", 300)
        thread = await start_thread(
            session,
            Author(None, f"{author}@{peer.name}"),
            subject,
            peer=peer,
            peer_addresses=[author],
            uid=thread_uid,
        )
    elif thread.peer_id != peer.id:
        raise EnvelopeRefused("bad_thread", "the thread is not held with this peer")
    elif author not in thread.peer_addresses:
        thread.peer_addresses = [*thread.peer_addresses, author]
    message = await add_message(
        session,
        thread,
        Author(None, f"{author}@{peer.name}"),
        text,
        recipients=[str(a) for a in recipients],
        references=[SHARE_REFERENCE + uid for uid in shares],
        users=users,
        peer_id=peer.id,
        uid=message_uid,
    )
    known.messages.add(message_uid)
    return message.id


async def _local_users(session: AsyncSession, recipients: list[addr.Address]) -> dict[int, str]:
    """`addresses.local_users`, once per set of recipients in a batch."""
    cache = session.info.setdefault("icomm.users", {})
    key = tuple(sorted(map(str, recipients)))
    if key not in cache:
        cache[key] = await addr.local_users(session, recipients)
    return dict(cache[key])


async def _apply_receipt(session: AsyncSession, peer: Peer, body: dict[str, Any]) -> None:
    """A read receipt: our messages it names, sent to this peer, are read there; or a share
    receipt: our records it names were imported or linked there."""
    if "shares" in body:
        from plugins.icomm.shares import apply_share_receipt

        await apply_share_receipt(session, peer, body)
        return
    uids = body.get("messages")
    if body.get("status") != READ or not isinstance(uids, list) or len(uids) > 10_000:
        raise EnvelopeRefused("malformed", "a receipt names a status and messages")
    message_ids = select(Message.id).where(Message.uid.in_([str(u) for u in uids]))
    await session.execute(
        update(EnvelopeRow)
        .where(
            EnvelopeRow.direction == OUT,
            EnvelopeRow.peer_id == peer.id,
            EnvelopeRow.message_id.in_(message_ids),
            EnvelopeRow.status.in_((DELIVERED, "sent")),
        )
        .values(status=READ, updated_at=utcnow())
    )
