"""The registry of connected instances and their agreements (administrators: CLI and GraphQL).

A peer is known by a name chosen here, the URL it is served at and its Ed25519 public key
(`ncen instance key` on the peer prints it). An agreement records the legal premise of the
exchange; `valid_agreement` is the one gate every envelope, out or in, goes through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import actor_of, record
from core.db import utcnow
from core.gql.errors import ConflictError, InputError, NotFoundError
from core.instance import Instance
from core.instance_key import key_id, public_key_from_hex
from plugins.icomm.models import BOTH, DIRECTIONS, RECEIVE, SEND, Agreement, Peer

_PEER_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
ENTITY = "IcommPeer"


def check_name(name: str) -> str:
    value = name.strip().lower()
    if not _PEER_NAME.match(value):
        raise InputError(
            "a peer name is 1 to 64 lowercase letters, digits, '.', '_' or '-'", field="name"
        )
    return value


def check_url(url: str) -> str:
    value = url.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", value) or len(value) > 500:
        raise InputError("an http(s) URL where the peer is served", field="url")
    return value


def check_key(key: str) -> tuple[str, str]:
    """(hex public key, key id) of a key as `ncen instance key` prints it."""
    value = key.strip().lower()
    try:
        public = public_key_from_hex(value)
    except ValueError:
        raise InputError(
            "an Ed25519 public key: 64 hex digits, as `ncen instance key` prints it", field="key"
        ) from None
    return value, key_id(public)


async def get_peer(session: AsyncSession, name: str) -> Peer:
    peer = (await session.scalars(select(Peer).where(Peer.name == name.strip().lower()))).first()
    if peer is None:
        raise NotFoundError(f"no peer {name!r}", field="name")
    return peer


def check_country(country: str | None) -> str | None:
    if country is None or not country.strip():
        return None
    value = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise InputError("an ISO 3166 alpha-2 country code, e.g. PT", field="country")
    return value


async def add_peer(
    instance: Instance, actor: object, name: str, url: str, key: str, country: str | None = None
) -> Peer:
    name, url, country = check_name(name), check_url(url), check_country(country)
    public, kid = check_key(key)
    async with instance.db.transaction() as session:
        clash = (
            await session.scalars(select(Peer).where(or_(Peer.name == name, Peer.key_id == kid)))
        ).first()
        if clash is not None:
            which = "name" if clash.name == name else "key"
            raise ConflictError(f"peer {clash.name!r} has this {which} already", field=which)
        peer = Peer(
            name=name, url=url, public_key=public, key_id=kid, country=country, created_at=utcnow()
        )
        session.add(peer)
        await session.flush()
        await record(
            session,
            actor=actor,
            action="icomm.peer.added",
            entity_type=ENTITY,
            entity_id=name,
            detail={"url": url, "key_id": kid, "country": country},
        )
    return peer


async def remove_peer(instance: Instance, actor: object, name: str) -> None:
    async with instance.db.transaction() as session:
        peer = await get_peer(session, name)
        await session.execute(delete(Agreement).where(Agreement.peer_id == peer.id))
        await session.delete(peer)
        await record(
            session,
            actor=actor,
            action="icomm.peer.removed",
            entity_type=ENTITY,
            entity_id=peer.name,
        )


@dataclass
class PeerView:
    peer: Peer
    agreements: list[Agreement] = field(default_factory=list)


async def list_peers(instance: Instance, name: str | None = None) -> list[PeerView]:
    async with instance.db.session() as session:
        query = select(Peer).order_by(Peer.name)
        if name is not None:
            query = query.where(Peer.name == check_name(name))
        peers = list((await session.scalars(query)).all())
        if name is not None and not peers:
            raise NotFoundError(f"no peer {name!r}", field="name")
        agreements = (
            await session.scalars(
                select(Agreement)
                .where(Agreement.peer_id.in_([p.id for p in peers]))
                .order_by(Agreement.id)
            )
        ).all()
    views = {p.id: PeerView(p) for p in peers}
    for agreement in agreements:
        views[agreement.peer_id].agreements.append(agreement)
    return list(views.values())


@dataclass(frozen=True)
class AgreementInput:
    legal_basis: str
    reference: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    direction: str = BOTH
    record_types: Sequence[str] = ()
    nominal: bool = False


def _check_agreement(data: AgreementInput) -> None:
    if not data.legal_basis.strip():
        raise InputError("state the legal basis of the exchange", field="legalBasis")
    if not data.reference.strip() or len(data.reference) > 200:
        raise InputError("a reference of 1 to 200 characters", field="reference")
    if data.direction not in DIRECTIONS:
        raise InputError(f"one of {', '.join(DIRECTIONS)}", field="direction")
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise InputError("ends before it starts", field="validUntil")


async def add_agreement(
    instance: Instance, actor: object, peer_name: str, data: AgreementInput
) -> Agreement:
    _check_agreement(data)
    async with instance.db.transaction() as session:
        peer = await get_peer(session, peer_name)
        agreement = Agreement(
            peer_id=peer.id,
            legal_basis=data.legal_basis.strip(),
            reference=data.reference.strip(),
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            direction=data.direction,
            record_types=sorted(set(data.record_types)),
            nominal=data.nominal,
            created_at=utcnow(),
        )
        session.add(agreement)
        await session.flush()
        await record(
            session,
            actor=actor,
            action="icomm.agreement.added",
            entity_type=ENTITY,
            entity_id=peer.name,
            detail={
                "agreement": agreement.id,
                "reference": agreement.reference,
                "legal_basis": agreement.legal_basis[:500],
                "valid_from": data.valid_from.isoformat(),
                "valid_until": data.valid_until.isoformat() if data.valid_until else None,
                "direction": data.direction,
            },
        )
    return agreement


async def remove_agreement(instance: Instance, actor: object, agreement_id: int) -> None:
    async with instance.db.transaction() as session:
        agreement = await session.get(Agreement, agreement_id)
        if agreement is None:
            raise NotFoundError(f"no agreement {agreement_id}", field="id")
        peer = await session.get(Peer, agreement.peer_id)
        await session.delete(agreement)
        await record(
            session,
            actor=actor,
            action="icomm.agreement.removed",
            entity_type=ENTITY,
            entity_id=peer.name if peer else None,
            detail={"agreement": agreement_id, "reference": agreement.reference},
        )


async def revoke_agreement(instance: Instance, actor: object, agreement_id: int) -> Agreement:
    """Revoke an agreement: it stays on record (the legal basis of what was exchanged under
    it), but nothing more is sent or accepted under it, from now on."""
    async with instance.db.transaction() as session:
        agreement = await session.get(Agreement, agreement_id)
        if agreement is None:
            raise NotFoundError(f"no agreement {agreement_id}", field="id")
        if agreement.revoked_at is not None:
            raise ConflictError("the agreement is revoked already", field="id", code="REVOKED")
        peer = await session.get(Peer, agreement.peer_id)
        agreement.revoked_at = utcnow()
        agreement.revoked_by = (actor_of(actor).name or "")[:200]
        await record(
            session,
            actor=actor,
            action="icomm.agreement.revoked",
            entity_type=ENTITY,
            entity_id=peer.name if peer else None,
            detail={"agreement": agreement_id, "reference": agreement.reference},
        )
    return agreement


def is_valid(agreement: Agreement, direction: str, today: dt.date) -> bool:
    allowed = (direction, BOTH)
    return (
        agreement.revoked_at is None
        and agreement.direction in allowed
        and agreement.valid_from <= today
        and (agreement.valid_until is None or today <= agreement.valid_until)
    )


async def valid_agreement(
    session: AsyncSession, peer_id: int, direction: str, today: dt.date | None = None
) -> Agreement | None:
    """An agreement with the peer valid today for sending (`send`) or receiving (`receive`)."""
    assert direction in (SEND, RECEIVE)
    today = today or utcnow().date()
    rows = (
        await session.scalars(
            select(Agreement).where(Agreement.peer_id == peer_id).order_by(Agreement.id.desc())
        )
    ).all()
    return next((a for a in rows if is_valid(a, direction, today)), None)


def covers(agreement: Agreement, record_type: str) -> bool:
    """Whether the agreement names the record type (`Person`, `Seizure`): a record shared
    under an agreement must be of a type it names; one naming none covers no record."""
    return record_type in agreement.record_types


@dataclass(frozen=True)
class ShareRefusal:
    """Why no agreement allows a share: a stable code and the input field at fault."""

    code: str
    message: str
    field: str


async def share_agreement(
    session: AsyncSession,
    peer: Peer,
    direction: str,
    record_types: Sequence[str],
    nominal: bool,
    *,
    reference: str | None = None,
    today: dt.date | None = None,
) -> Agreement | ShareRefusal:
    """The agreement with `peer` under which a record of one of `record_types` (its record
    type and entity type names) may be shared in `direction`, nominal data included or not;
    or why none allows it. `reference`: only the agreement of that reference counts (the
    receiver checks the one the sender named)."""
    today = today or utcnow().date()
    rows = list(
        (
            await session.scalars(
                select(Agreement).where(Agreement.peer_id == peer.id).order_by(Agreement.id.desc())
            )
        ).all()
    )
    if reference is not None:
        rows = [a for a in rows if a.reference == reference]
        if not rows:
            return ShareRefusal(
                "UNKNOWN_AGREEMENT", f"no agreement {reference!r} with {peer.name!r}", "peer"
            )
        if all(a.revoked_at is not None for a in rows):
            return ShareRefusal(
                "AGREEMENT_REVOKED", f"the agreement {reference!r} was revoked", "peer"
            )
    valid = [a for a in rows if is_valid(a, direction, today)]
    if not valid:
        return ShareRefusal(
            "NO_AGREEMENT",
            f"no agreement with {peer.name!r} valid today allows "
            f"{'sending to' if direction == SEND else 'receiving from'} it",
            "peer",
        )
    typed = [a for a in valid if any(covers(a, t) for t in record_types)]
    if not typed:
        return ShareRefusal(
            "AGREEMENT_EXCLUDES_TYPE",
            f"no agreement with {peer.name!r} covers {record_types[0]} records",
            "id",
        )
    if nominal:
        typed = [a for a in typed if a.nominal]
        if not typed:
            return ShareRefusal(
                "AGREEMENT_EXCLUDES_NOMINAL",
                f"the agreement with {peer.name!r} covers {record_types[0]} records without "
                "nominal data",
                "includeNominal",
            )
    return typed[0]
