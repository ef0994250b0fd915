"""What an officer does with a record a peer shared: read it, see which local records it may
duplicate, import it as a local draft, or link it to a local record.

An import writes through the record lifecycle (`lifecycle.check_create` / `create`), as the
officer, so every check, audit event, search update and record event of a create applies: the
shared record's fields (input paths, `core.sharing.peers`) are built into the module's GraphQL
input by the exchange's `InputBuilder`, the one an `ncen import` uses. Only a share that carries
fields (the agreement covers nominal data) can be imported; any share can be linked. Each import
and link is audited with the legal basis it was received under, and reported to the sender
through the transport (a receipt) when one is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.exchange.inputs import InputBuilder, RowInvalid
from core.gql.errors import ApiError, ConflictError, InputError, NotFoundError
from core.links.service import EntityRef, add_link
from core.records import lifecycle
from core.records.declaration import DuplicateHint, RecordType, WriteContext
from core.records.registry import record_registry
from core.sharing.models import PeerRecord
from core.sharing.peers import PEER_RECORD, peer_transport

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

RELATION, INVERSE = "sharedAs", "receivedShares"


def record_type_of(instance: Instance, row: PeerRecord) -> RecordType[Any, Any] | None:
    return record_registry(instance).get(row.entity_type)


def can_read(instance: Instance, principal: Principal, row: PeerRecord) -> bool:
    """Readable by holders of the view permission of its record type here."""
    rt = record_type_of(instance, row)
    return rt is not None and principal.can(rt.view_permission)


async def readable_ids(
    instance: Instance, session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> set[str]:
    """Of these received share ids, those `principal` may read (photo downloads)."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted:
        return set()
    rows = await session.scalars(select(PeerRecord).where(PeerRecord.id.in_(wanted)))
    return {str(r.id) for r in rows if can_read(instance, principal, r)}


async def get_readable(
    instance: Instance, session: AsyncSession, principal: Principal, row_id: int
) -> PeerRecord:
    row = await session.get(PeerRecord, row_id)
    if row is None or not can_read(instance, principal, row):
        raise NotFoundError("no such received share", field="id")
    return row


@dataclass
class ImportCheck:
    """Whether the share imports as it is, and the local records it may duplicate."""

    importable: bool
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (field, code, message)
    duplicates: list[DuplicateHint] = field(default_factory=list)


def _input(instance: Instance, rt: RecordType[Any, Any], row: PeerRecord) -> Any:
    if row.fields is None:
        raise InputError(
            "the share carries no nominal fields (its agreement does not cover nominal data): "
            "link it to a local record instead",
            code="NOT_IMPORTABLE",
            field="id",
        )
    try:
        return InputBuilder(instance.schema, rt.input).build(row.fields)
    except RowInvalid as exc:
        first = exc.errors[0]
        raise InputError(
            f"the shared record does not fit this instance: {first.field}: {first.message}",
            code=first.code,
            field=first.field or "id",
        ) from None


async def import_check(
    instance: Instance, session: AsyncSession, principal: Principal, row: PeerRecord
) -> ImportCheck:
    """Every check of the import without writing, and the duplicate hints (read-only)."""
    rt = record_type_of(instance, row)
    if rt is None:
        return ImportCheck(False, [("id", "UNKNOWN_RECORD_TYPE", "not a record type here")])
    ctx = WriteContext(session, principal, instance)
    try:
        data = _input(instance, rt, row)
        with session.no_autoflush:
            record = await lifecycle.check_create(ctx, rt, data)
    except ApiError as exc:
        code = str(exc.extensions.get("code"))
        return ImportCheck(False, [(str(exc.extensions.get("field") or ""), code, str(exc))])
    with session.no_autoflush:
        hints = list(await rt.duplicate_hints(ctx, record))
    return ImportCheck(True, [], hints)


async def _report(instance: Instance, session: AsyncSession, row: PeerRecord, status: str) -> None:
    transport = peer_transport(instance)
    if transport is not None:
        await transport.report(session, row, status)


def _unhandled(row: PeerRecord) -> None:
    if row.status != "received":
        raise ConflictError(
            f"the share was {row.status} already ({row.local_type} {row.local_id})",
            code="ALREADY_HANDLED",
            field="id",
        )


async def import_peer_record(
    instance: Instance, principal: Principal, row_id: int
) -> tuple[PeerRecord, RecordType[Any, Any], Any]:
    """Create a local draft from the share, through the lifecycle, as `principal`."""
    async with instance.db.transaction() as session:
        row = await get_readable(instance, session, principal, row_id)
        _unhandled(row)
        rt = record_type_of(instance, row)
        assert rt is not None
        ctx = WriteContext(session, principal, instance)
        record = await lifecycle.create(ctx, rt, _input(instance, rt, row))
        await _handled(instance, session, principal, row, rt.entity_type_of(record), record.id)
        await add_link(
            session,
            EntityRef(PEER_RECORD, str(row.id), "core"),
            RELATION,
            EntityRef(rt.entity_type_of(record), str(record.id), rt.module),
            note=None,
            actor=getattr(principal, "username", None),
            principal=principal,
        )
        await audit.record(
            session,
            actor=principal,
            action="sharing.peer_record_imported",
            entity_type=PEER_RECORD,
            entity_id=row.id,
            detail=_detail(row),
        )
        await _report(instance, session, row, "imported")
        return row, rt, record


async def link_peer_record(
    instance: Instance, principal: Principal, row_id: int, target_type: str, target_id: int
) -> PeerRecord:
    """Link the share to a local record the caller may see (a core link, `sharedAs`)."""
    rt = record_registry(instance).get(target_type)
    if rt is None:
        raise InputError(f"{target_type!r} is not a record type here", field="recordId")
    async with instance.db.transaction() as session:
        row = await get_readable(instance, session, principal, row_id)
        if row.status == "erased":
            raise ConflictError("the share is erased", code="ALREADY_ERASED", field="id")
        [record] = await lifecycle.read_many(session, rt, [target_id], principal)
        if record is None or rt.entity_type_of(record) != target_type:
            raise NotFoundError(f"no such {rt.noun}", field="recordId")
        await add_link(
            session,
            EntityRef(PEER_RECORD, str(row.id), "core"),
            RELATION,
            EntityRef(target_type, str(target_id), rt.module),
            note=None,
            actor=getattr(principal, "username", None),
            principal=principal,
        )
        first = row.status == "received"
        if first:
            await _handled(instance, session, principal, row, target_type, target_id, "linked")
        await audit.record(
            session,
            actor=principal,
            action="sharing.peer_record_linked",
            entity_type=PEER_RECORD,
            entity_id=row.id,
            detail={**_detail(row), "target": f"{target_type}:{target_id}"},
        )
        if first:
            await _report(instance, session, row, "linked")
        return row


async def _handled(
    instance: Instance,
    session: AsyncSession,
    principal: Principal,
    row: PeerRecord,
    local_type: str,
    local_id: int,
    status: str = "imported",
) -> None:
    row.status = status
    row.local_type, row.local_id = local_type, str(local_id)
    row.handled_by = getattr(principal, "username", None)
    row.handled_at = utcnow()
    await session.flush()


def _detail(row: PeerRecord) -> dict[str, Any]:
    return {
        "sender": row.sender,
        "country": row.sender_country,
        "recordType": row.entity_type,
        "sourceId": row.source_id,
        "nominal": row.nominal,
        "agreement": row.agreement_reference,
        "legal_basis": row.legal_basis[:500],
        "local": f"{row.local_type}:{row.local_id}" if row.local_type else None,
    }


async def readable_rows(
    instance: Instance,
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    record_type: str | None,
    first: int,
) -> list[PeerRecord]:
    """The shares the caller may read, newest first."""
    types = [rt for rt in record_registry(instance) if principal.can(rt.view_permission)]
    entity_types = sorted({t for rt in types for t in rt.accepted_id_types})
    if record_type is not None:
        entity_types = [t for t in entity_types if t == record_type]
    if not entity_types:
        return []
    query = (
        select(PeerRecord)
        .where(PeerRecord.entity_type.in_(entity_types))
        .order_by(PeerRecord.id.desc())
        .limit(first)
    )
    if status is not None:
        query = query.where(PeerRecord.status == status)
    return list((await session.scalars(query)).all())
