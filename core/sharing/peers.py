"""Records shared with a connected national instance under an agreement: what the sender puts
in a share, and what the receiver keeps of it.

A share is the record's **payload** — the non-nominal projection, exactly what the global
database would get (`core.sharing.payload`) — plus, only when the agreement covers nominal
data and the sender asked for it, the record's **fields**: every importable column of its
module's exchange declaration (`core.exchange`), by input path (`familyName`,
`documents[0].number`), which is what an import on the receiving side fills through the
record lifecycle. Nothing here knows about peers or agreements: icomm's transport checks them
on both sides, then calls `share_body` (sending) and `receive_shared` (receiving).

The receiver keeps a share as a read-only `PeerRecord` with its provenance. The payload is
checked as any incoming payload (`check_incoming`: a nominal field in it is refused whatever
the agreement says: nominal data travels only as `fields`), and a share without nominal
coverage carrying `fields` is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.sharing.models import PeerRecord
from core.sharing.payload import canonical_json, payload_sha256, record_payload
from core.sharing.receive import PayloadRefused, check_incoming

if TYPE_CHECKING:
    from core.exchange.declaration import ExchangeType
    from core.instance import Instance
    from core.records import RecordType

_TRANSPORT_KEY = "sharing.peer_transport"


def exchange_of(instance: Instance, rt: RecordType[Any, Any]) -> ExchangeType | None:
    """The exchange declaration of a record type: what a nominal share carries as fields."""
    from core.exchange.registry import exchange_types

    return next((x for x in exchange_types(instance).values() if x.record_type == rt.name), None)


def _plain(value: Any) -> Any:
    """A column's value as JSON carries it (what an import reads back)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value  # an enum
    return value


def record_fields(xt: ExchangeType, record: Any) -> dict[str, Any]:
    """Every importable column of the record that holds a value, by input path; child rows
    past the ones a flat file has columns for (a seizure's fourth goods line) carry the same
    fields at further indices: a share carries the whole record, an import loses nothing."""
    found: dict[str, Any] = {}
    for column in xt.columns:
        if not column.importable:
            continue
        _put(found, column.name, column.get(record))
    declared: dict[tuple[str, str], int] = {}
    for column in xt.columns:
        if column.importable and column.collection and column.attribute:
            key = (column.collection, column.attribute)
            declared[key] = max(declared.get(key, 0), column.index + 1)
    for column in xt.columns:
        if not (column.importable and column.collection and column.attribute):
            continue
        if column.index != 0 or "[0]." not in column.name:
            continue
        children = getattr(record, column.collection, None) or []
        for index in range(declared[(column.collection, column.attribute)], len(children)):
            name = column.name.replace("[0].", f"[{index}].", 1)
            _put(found, name, getattr(children[index], column.attribute))
    return found


def _put(found: dict[str, Any], name: str, raw: Any) -> None:
    value = _plain(raw)
    if value is None or value == "" or value == []:
        return
    found[name] = value


async def share_body(
    instance: Instance,
    session: AsyncSession,
    rt: RecordType[Any, Any],
    record: Any,
    *,
    include_nominal: bool,
) -> dict[str, Any]:
    """What a share of `record` carries: `payload` (the projection) and, for a nominal share,
    `fields`. Raises ValueError when a nominal share is asked of a type whose module declares
    no exchange columns."""
    payload = await record_payload(instance, session, rt, record, "submission")
    if not include_nominal:
        return share_content(payload)
    xt = exchange_of(instance, rt)
    if xt is None:
        raise ValueError(f"{rt.name} records declare no exchange columns to share")
    return share_content(payload, record_fields(xt, record))


def share_content(payload: dict[str, Any], fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A share's content: the payload, and the fields only when given (a nominal share)."""
    return {"payload": payload} if fields is None else {"payload": payload, "fields": fields}


def body_sha256(body: Mapping[str, Any]) -> str:
    return payload_sha256(body)


@dataclass(frozen=True)
class Provenance:
    """Where a share comes from, as the receiver's transport established it."""

    share_uid: str
    sender: str  # the peer's name here
    sender_key_id: str
    sender_country: str | None
    agreement_reference: str
    legal_basis: str
    nominal_allowed: bool
    shared_by: str | None = None


async def receive_shared(
    instance: Instance, session: AsyncSession, body: Any, provenance: Provenance
) -> PeerRecord:
    """Check and keep one share, in the transport's transaction; `PayloadRefused` if not."""
    if not isinstance(body, dict) or set(body) - {"payload", "fields"}:
        raise PayloadRefused("INVALID_PAYLOAD", "a share carries a payload and fields", [])
    payload = body.get("payload")
    check_incoming(instance, payload)
    assert isinstance(payload, dict)
    if payload.get("kind") == "withdrawal":
        raise PayloadRefused("INVALID_PAYLOAD", "a share is never a withdrawal", ["kind"])
    country = payload["sender"]["country"]
    if provenance.sender_country and country != provenance.sender_country:
        raise PayloadRefused(
            "SENDER_MISMATCH",
            f"the payload says it comes from {country}, the peer is of {provenance.sender_country}",
            ["sender.country"],
        )
    fields = body.get("fields")
    if fields is not None:
        if instance.config.sharing.global_database:
            raise PayloadRefused(
                "NOMINAL_FIELD", "the global database accepts no nominal fields", ["fields"]
            )
        if not provenance.nominal_allowed:
            raise PayloadRefused(
                "NOMINAL_FIELD",
                "the share carries nominal fields, the agreement does not cover nominal data",
                ["fields"],
            )
        if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
            raise PayloadRefused("INVALID_PAYLOAD", "fields: input paths and values", ["fields"])
    record = payload["record"]
    existing = await session.scalar(
        select(PeerRecord).where(
            PeerRecord.sender == provenance.sender,
            PeerRecord.share_uid == provenance.share_uid,
        )
    )
    if existing is not None:
        return existing  # the same share again (a retry): kept once
    digest = body_sha256(body)
    row = PeerRecord(
        share_uid=provenance.share_uid,
        sender=provenance.sender,
        sender_key_id=provenance.sender_key_id,
        sender_country=provenance.sender_country or country,
        agreement_reference=provenance.agreement_reference,
        legal_basis=provenance.legal_basis,
        entity_type=record["type"],
        source_id=record["id"],
        version=record["version"],
        nominal=fields is not None,
        data=payload["data"],
        fields=fields,
        payload_sha256=digest,
        shared_by=(provenance.shared_by or None) and provenance.shared_by[:200],
        received_at=utcnow(),
        status="received",
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=audit.Actor("peer", provenance.sender_key_id, provenance.sender),
        action="sharing.peer_record_received",
        entity_type=PEER_RECORD,
        entity_id=row.id,
        detail={
            "sender": provenance.sender,
            "country": row.sender_country,
            "recordType": row.entity_type,
            "sourceId": row.source_id,
            "nominal": row.nominal,
            "agreement": provenance.agreement_reference,
            "legal_basis": provenance.legal_basis[:500],
            "payloadSha256": digest,
            "bytes": len(canonical_json(body)),
        },
    )
    return row


PEER_RECORD = "ReceivedShare"


class PeerTransport(Protocol):
    """What core asks of the transport about received shares (icomm implements it): tell the
    sender what became of its share (`imported`, `linked`), in the caller's transaction."""

    async def report(self, session: AsyncSession, row: PeerRecord, status: str) -> bool: ...


def set_peer_transport(instance: Instance, transport: PeerTransport | None) -> None:
    instance.state[_TRANSPORT_KEY] = transport


def peer_transport(instance: Instance) -> PeerTransport | None:
    return instance.state.get(_TRANSPORT_KEY)


__all__ = [
    "PEER_RECORD",
    "PayloadRefused",
    "PeerTransport",
    "Provenance",
    "body_sha256",
    "exchange_of",
    "peer_transport",
    "receive_shared",
    "record_fields",
    "set_peer_transport",
    "share_body",
    "share_content",
]
