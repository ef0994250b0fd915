"""Sharing a record with a connected national instance under an agreement (`shareRecord`), and
receiving one.

Sending: the record is read as the user may see it; the agreement with the peer must be valid
today for sending, name the record type, and cover nominal data if the user includes it (else a
coded error: NO_AGREEMENT, AGREEMENT_EXCLUDES_TYPE, AGREEMENT_EXCLUDES_NOMINAL). What travels is
core's (`core.sharing.peers.share_body`): the non-nominal projection, plus the record's fields
for a nominal share. It goes in a signed envelope of kind `record` through the outbox, as
messages do (retries, back-off, receipts); the envelope names the agreement it is sent under,
and an agreement revoked before delivery stops it.

Receiving: the envelope's agreement must be one this instance holds with the peer (not revoked,
valid today for receiving, naming the type, nominal if the share is), or the share is refused
with the reason (`unknown_agreement`, `agreement_revoked`, `no_agreement`,
`agreement_excludes_type`, `agreement_excludes_nominal`); then core keeps it as a received
share (`receive_shared`). When an officer imports or links it, a receipt goes back
(`IcommPeerTransport.report`) and the sender's share shows `imported` or `linked`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from core.audit.writer import Actor, record
from core.db import utcnow
from core.gql.context import Principal
from core.gql.errors import InputError, NotFoundError
from core.instance import Instance
from core.records import lifecycle
from core.records.mutations import decode_id
from core.records.registry import record_registry
from core.sharing.models import PeerRecord
from core.sharing.peers import (
    PEER_RECORD,
    Provenance,
    body_sha256,
    receive_shared,
    share_body,
)
from core.sharing.receive import PayloadRefused
from core.workflow import require
from plugins.icomm.envelopes import RECEIPT_KIND, RECORD_KIND, Envelope, EnvelopeRefused
from plugins.icomm.messaging import queue_envelope
from plugins.icomm.models import (
    RECEIVE,
    SEND,
    Agreement,
    Peer,
    Share,
)
from plugins.icomm.models import Envelope as EnvelopeRow
from plugins.icomm.peers import ShareRefusal, is_valid, share_agreement, valid_agreement

SHARE = "icomm.records.share"
REMOTE_STATUSES = ("imported", "linked")


async def share_record(
    instance: Instance,
    principal: Principal,
    gid: relay.GlobalID,
    peer_name: str,
    include_nominal: bool,
) -> tuple[Share, EnvelopeRow]:
    require(principal, SHARE, "shareRecord")
    async with instance.db.transaction() as session:
        peer = (
            await session.scalars(select(Peer).where(Peer.name == peer_name.strip().lower()))
        ).first()
        if peer is None:
            raise InputError(
                f"no connected instance {peer_name!r}", field="peer", code="UNKNOWN_PEER"
            )
        return await share_in(instance, session, principal, peer, gid, include_nominal)


async def share_in(
    instance: Instance,
    session: AsyncSession,
    principal: Principal,
    peer: Peer,
    gid: relay.GlobalID,
    include_nominal: bool,
    field: str = "id",
) -> tuple[Share, EnvelopeRow]:
    """Share one record in the caller's transaction (`shareRecord`, and the records a message
    to a connected instance refers to); `field` names the input at fault in a refusal."""
    rt = record_registry(instance).get(gid.type_name)
    if rt is None:
        raise InputError(f"{gid.type_name!r} is not a record type of this instance", field=field)
    record_id = decode_id(rt, gid)
    [row] = await lifecycle.read_many(session, rt, [record_id], principal)
    if row is None or rt.entity_type_of(row) != gid.type_name:
        raise NotFoundError(f"no such {rt.noun}", field=field)
    entity_type = rt.entity_type_of(row)
    found = await share_agreement(session, peer, SEND, (entity_type, rt.name), include_nominal)
    if isinstance(found, ShareRefusal):
        refused_field = field if found.field == "id" else found.field
        raise InputError(found.message, code=found.code, field=refused_field)
    agreement = found
    try:
        body = await share_body(instance, session, rt, row, include_nominal=include_nominal)
    except ValueError as exc:
        raise InputError(str(exc), code="NOMINAL_NOT_SUPPORTED", field="includeNominal") from None
    uid = str(uuid.uuid4())
    digest = body_sha256(body)
    username = getattr(principal, "username", None) or "api"
    envelope = await queue_envelope(
        session,
        peer,
        RECORD_KIND,
        agreement.reference,
        envelope_id=uid,
        body=envelope_body(uid, body, username if include_nominal else None),
    )
    now = envelope.created_at
    share = Share(
        uid=uid,
        envelope_id=envelope.id,
        peer_id=peer.id,
        peer_name=peer.name,
        entity_type=entity_type,
        entity_id=str(row.id),
        record_version=getattr(row, "version", None),
        nominal=include_nominal,
        agreement_id=agreement.id,
        agreement_reference=agreement.reference,
        payload_sha256=digest,
        shared_by=username,
        created_at=now,
    )
    session.add(share)
    await session.flush()
    await record(
        session,
        actor=principal,
        action="icomm.record.shared",
        entity_type=entity_type,
        entity_id=row.id,
        detail={
            "peer": peer.name,
            "share": uid,
            "nominal": include_nominal,
            "agreement": agreement.reference,
            "legal_basis": agreement.legal_basis[:500],
            "payloadSha256": digest,
        },
    )
    return share, envelope


def envelope_body(uid: str, content: dict[str, Any], shared_by: str | None) -> dict[str, Any]:
    """The body of a `record` envelope: the share's id and content (`share_content`). Who
    shared travels only with nominal data (a contact under an agreement covering personal
    data); a non-nominal share names the instance, never its staff."""
    return {"share": uid, **({"sharedBy": shared_by} if shared_by else {}), **content}


async def agreement_still_valid(session: AsyncSession, peer_id: int, reference: str) -> bool:
    """Whether the agreement a share was made under still allows sending it (not revoked)."""
    today = utcnow().date()
    rows = (
        await session.scalars(
            select(Agreement).where(Agreement.peer_id == peer_id, Agreement.reference == reference)
        )
    ).all()
    return any(is_valid(a, SEND, today) for a in rows)


async def receive_record(
    instance: Instance,
    session: AsyncSession,
    peer: Peer,
    envelope: Envelope,
    photos: Sequence[str] = (),
) -> PeerRecord:
    """A record a peer shares: checked against this instance's agreement of the reference the
    envelope names, then kept by core (in a savepoint: a refused share leaves nothing)."""
    body = envelope.body
    uid, payload = body.get("share"), body.get("payload")
    if not isinstance(uid, str) or not 0 < len(uid) <= 36 or not isinstance(payload, dict):
        raise EnvelopeRefused("malformed", "a record share carries its id and a payload")
    record_info = payload.get("record")
    record_type = record_info.get("type") if isinstance(record_info, dict) else None
    if not isinstance(record_type, str):
        raise EnvelopeRefused("malformed", "the payload names no record type")
    nominal = "fields" in body
    local = record_registry(instance).get(record_type)  # `Vehicle` is of record type Conveyance
    names = (record_type, local.name) if local is not None else (record_type,)
    found = await share_agreement(
        session, peer, RECEIVE, names, nominal, reference=envelope.agreement
    )
    if isinstance(found, ShareRefusal):
        raise EnvelopeRefused(found.code.lower(), found.message)
    shared_by = body.get("sharedBy")
    provenance = Provenance(
        share_uid=uid,
        sender=peer.name,
        sender_key_id=peer.key_id,
        sender_country=peer.country,
        agreement_reference=found.reference,
        legal_basis=found.legal_basis,
        nominal_allowed=found.nominal,
        shared_by=shared_by if isinstance(shared_by, str) else None,
    )
    content = {k: body[k] for k in ("payload", "fields") if k in body}
    known = await session.scalar(
        select(PeerRecord.id).where(PeerRecord.sender == peer.name, PeerRecord.share_uid == uid)
    )
    try:
        async with session.begin_nested():
            row = await receive_shared(instance, session, content, provenance)
    except PayloadRefused as exc:
        fields = ", ".join(exc.fields[:20])
        raise EnvelopeRefused(
            exc.code.lower(), f"{exc}" + (f" ({fields})" if fields else "")
        ) from None
    if known is None:  # new here (a share received before keeps what it had)
        for attachment_id in photos:  # stored by transfer.incoming, checked and re-encoded
            await instance.attachments.adopt(session, attachment_id, PEER_RECORD, row.id)
        await _notice(instance, session, peer, row)
    return row


async def _notice(instance: Instance, session: AsyncSession, peer: Peer, row: PeerRecord) -> None:
    """Tell the officers (`share_notice`) that a share arrived: what, from whom, under which
    agreement, with a reference to it; never its content."""
    from core.notifications import Notification
    from plugins.icomm.notices import post

    setting = str(instance.settings("icomm").share_notice)
    recipients = tuple(r.strip() for r in setting.split(",") if r.strip())
    if not recipients:
        return
    country = f" ({row.sender_country})" if row.sender_country else ""
    nominal = "with nominal data" if row.nominal else "without nominal data"
    await post(
        session,
        Notification(
            recipients,
            f"{peer.name}{country} shared a {row.entity_type} record",
            f"{peer.name}{country} shared a {row.entity_type} record with this instance, "
            f"{nominal}, under the agreement {row.agreement_reference}. Read it in "
            "receivedShares, then import it or link it to a local record.",
            (relay.to_base64("ReceivedShare", row.id),),
        ),
    )


class IcommPeerTransport:
    """Core's `PeerTransport`: receipts for received shares go back to their sender."""

    async def report(self, session: AsyncSession, row: PeerRecord, status: str) -> bool:
        peer = (await session.scalars(select(Peer).where(Peer.name == row.sender))).first()
        if peer is None:
            return False
        agreement = await valid_agreement(session, peer.id, SEND)
        if agreement is None:
            return False  # no agreement to send with: the sender keeps `delivered`
        body = {"shares": [row.share_uid], "status": status}
        await queue_envelope(session, peer, RECEIPT_KIND, agreement.reference, body=body)
        return True


async def apply_share_receipt(session: AsyncSession, peer: Peer, body: dict[str, Any]) -> None:
    """A receipt for our shares: the peer imported or linked them."""
    uids, status = body.get("shares"), body.get("status")
    if status not in REMOTE_STATUSES or not isinstance(uids, list) or len(uids) > 10_000:
        raise EnvelopeRefused("malformed", "a share receipt names a status and shares")
    uids = [str(u) for u in uids]
    now = utcnow()
    await session.execute(
        update(Share)
        .where(Share.peer_id == peer.id, Share.uid.in_(uids))
        .values(remote_status=status, remote_status_at=now)
    )
    shares = (
        await session.scalars(select(Share).where(Share.peer_id == peer.id, Share.uid.in_(uids)))
    ).all()
    for share in shares:
        agreement = await session.get(Agreement, share.agreement_id) if share.agreement_id else None
        await record(
            session,
            actor=Actor("peer", peer.key_id, peer.name),
            action=f"icomm.record.{status}",
            entity_type=share.entity_type,
            entity_id=share.entity_id,
            detail={
                "peer": peer.name,
                "share": share.uid,
                "agreement": share.agreement_reference,
                "legal_basis": agreement.legal_basis[:500] if agreement else None,
            },
        )


async def install(instance: Instance) -> None:
    from core.sharing.peers import set_peer_transport

    set_peer_transport(instance, IcommPeerTransport())


async def list_shares(
    instance: Instance,
    principal: Principal,
    *,
    record: relay.GlobalID | None,
    peer: str | None,
    first: int,
) -> list[tuple[Share, EnvelopeRow | None]]:
    """Shares of records the caller may see, newest first, with their envelopes."""
    require(principal, SHARE, "recordShares")
    registry = record_registry(instance)
    async with instance.db.session() as session:
        query = select(Share).order_by(Share.id.desc()).limit(first * 4)
        if record is not None:
            query = query.where(
                Share.entity_type == record.type_name, Share.entity_id == record.node_id
            )
        if peer is not None:
            query = query.where(Share.peer_name == peer.strip().lower())
        shares = list((await session.scalars(query)).all())
        visible: set[tuple[str, str]] = set()
        by_type: dict[str, list[str]] = {}
        for share in shares:
            by_type.setdefault(share.entity_type, []).append(share.entity_id)
        for entity_type, ids in by_type.items():
            rt = registry.get(entity_type)
            if rt is not None:
                seen = await rt.visible_ids(session, principal, ids)
                visible |= {(entity_type, i) for i in seen}
        shares = [s for s in shares if (s.entity_type, s.entity_id) in visible][:first]
        envelope_ids = [s.envelope_id for s in shares if s.envelope_id is not None]
        envelopes = {
            e.id: e
            for e in (
                await session.scalars(select(EnvelopeRow).where(EnvelopeRow.id.in_(envelope_ids)))
            ).all()
        }
    return [(s, envelopes.get(s.envelope_id) if s.envelope_id else None) for s in shares]
