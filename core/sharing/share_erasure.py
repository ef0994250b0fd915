"""Erasure of a received share's nominal data, by hand or with the local record it became.

A received share (`core_sharing_peer_record`) holds what a peer sent about a record: its
non-nominal payload, for a nominal share the record's fields, and photos. Erasing it removes all
three (the photos through the attachment store, purged from disk after commit) and the share's
links, and keeps the row as a **tombstone**: its provenance (peer, key, country, agreement and
legal basis, the sender's id, when it came, who imported it) plus who erased it, when and why,
so that the audit trail of the transmission stays whole. `status` becomes `erased`.

Who may: holders of the erase permission of the share's record type (`RecordType.erasure`, the
one `erasePerson` checks); a record type that declares no erasure has no erasable shares either.
When a local record imported from or linked to a share is erased through the record lifecycle,
its `erased` record event erases the share too (`on_record_event`, delivered by the outbox after
commit, at least once: an erased share stays erased). The erasure removed the record's links
before the event is delivered: the event names their other ends (`RecordEvent.unlinked`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.gql.errors import ConflictError, InputError
from core.links.service import remove_links_of
from core.sharing.imports import RELATION, get_readable, record_type_of
from core.sharing.models import PeerRecord
from core.sharing.peers import PEER_RECORD
from core.workflow import require

if TYPE_CHECKING:
    from core.events import RecordEvent
    from core.gql.context import Principal
    from core.instance import Instance

ERASED = "erased"
ACTION = "sharing.peer_record_erased"
REASON_LIMIT = 500
_KEY = "erasure"  # the tombstone's note in `data`: by, at, reason


def erasure_of(row: PeerRecord) -> dict[str, Any] | None:
    """Who erased the share, when and why (`by`, `at`, `reason`), or None if it holds data."""
    if row.status != ERASED or not isinstance(row.data, dict):
        return None
    note = row.data.get(_KEY)
    return note if isinstance(note, dict) else None


async def erase_share(
    instance: Instance,
    session: AsyncSession,
    row: PeerRecord,
    *,
    actor: Any,
    actor_name: str | None,
    reason: str,
    cause: str | None = None,
) -> None:
    """Remove the share's payload, fields, photos and links; keep the tombstone; audit it with
    the legal basis it was received under. `cause` names the erased local record, if any."""
    photos = await instance.attachments.erase(session, PEER_RECORD, row.id)
    links = len(await remove_links_of(session, PEER_RECORD, row.id, principal=actor))
    at = utcnow()
    row.data = {_KEY: {"by": actor_name, "at": at.isoformat(), "reason": reason}}
    row.fields = None
    row.status = ERASED
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=ACTION,
        entity_type=PEER_RECORD,
        entity_id=row.id,
        detail={
            "sender": row.sender,
            "country": row.sender_country,
            "recordType": row.entity_type,
            "sourceId": row.source_id,
            "nominal": row.nominal,
            "agreement": row.agreement_reference,
            "legal_basis": row.legal_basis[:500],
            "reason": reason,
            "cause": cause,
            "photos": photos,
            "links": links,
        },
    )


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InputError("say why the share is erased", code="REASON_REQUIRED", field="reason")
    if len(reason) > REASON_LIMIT:
        raise InputError(f"at most {REASON_LIMIT} characters", field="reason")
    return reason


async def erase_received_share(
    instance: Instance, principal: Principal, row_id: int, reason: str
) -> PeerRecord:
    """`eraseReceivedShare`: the share must be readable (NOT_FOUND otherwise), its record type
    erasable (CONFLICT) by the caller (FORBIDDEN), not erased already (ALREADY_ERASED)."""
    reason = check_reason(reason)
    async with instance.db.transaction() as session:
        row = await get_readable(instance, session, principal, row_id)
        rt = record_type_of(instance, row)
        if rt is None or rt.erasure is None:
            raise ConflictError(
                f"a received {row.entity_type} share cannot be erased: its record type "
                "declares no erasure",
                code="NOT_ERASABLE",
                field="id",
            )
        require(principal, rt.erasure.permission, "id")
        if row.status == ERASED:
            raise ConflictError("the share is erased already", code="ALREADY_ERASED", field="id")
        await erase_share(
            instance,
            session,
            row,
            actor=principal,
            actor_name=getattr(principal, "username", None),
            reason=reason,
        )
        return row


async def on_record_event(instance: Instance, event: RecordEvent) -> None:
    """A local record erased: erase the received shares it was imported from or linked to."""
    if event.action != "erased":
        return
    from core.records.registry import record_registry

    rt = record_registry(instance).get(event.entity_type)
    types = sorted(rt.accepted_id_types) if rt is not None else [event.entity_type]
    async with instance.db.transaction() as session:
        linked = [
            int(number)
            for relation, kind, number in event.unlinked
            if relation == RELATION and kind == PEER_RECORD and number.isdigit()
        ]
        rows = await session.scalars(
            select(PeerRecord).where(
                or_(
                    and_(
                        PeerRecord.local_type.in_(types),
                        PeerRecord.local_id == str(event.entity_id),
                    ),
                    PeerRecord.id.in_(linked),
                ),
                PeerRecord.status != ERASED,
            )
        )
        actor = audit.Actor(event.actor_type, event.actor_id, event.actor_name)
        for row in list(rows):
            await erase_share(
                instance,
                session,
                row,
                actor=actor,
                actor_name=event.actor_name,
                reason=f"the local record {event.entity_type}:{event.entity_id} was erased",
                cause=f"{event.entity_type}:{event.entity_id}",
            )


def erased_at(row: PeerRecord) -> dt.datetime | None:
    note = erasure_of(row)
    return dt.datetime.fromisoformat(note["at"]) if note and note.get("at") else None
