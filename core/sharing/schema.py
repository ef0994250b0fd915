"""GraphQL for sharing: `cenPreview`, validators' checks, manual batches and the export log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar, cast

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.entity import Entity
from core.gql.errors import InputError, NotFoundError
from core.records import lifecycle
from core.records.declaration import RecordType
from core.records.mutations import decode_id
from core.records.registry import record_registry
from core.sharing import checks, exports
from core.sharing.checks import free_texts_of as checks_free_texts
from core.sharing.models import EXPORT_STATUSES, ExportEntry
from core.sharing.models import CheckedText as CheckedTextRow
from core.sharing.payload import record_payload

CHECK = "core.sharing.check"
EXPORT = "core.sharing.export"
MAX_BATCH = 500


def _record_type(
    info: Info[Context, None], gid: relay.GlobalID
) -> tuple[RecordType[Any, Any], int]:
    rt = record_registry(info.context.instance).get(gid.type_name)
    if rt is None:
        raise InputError(f"{gid.type_name!r} is not a record type of this instance", field="id")
    return rt, decode_id(rt, gid)


def _global_type(
    info: Info[Context, None], gid: relay.GlobalID, field: str = "id"
) -> tuple[RecordType[Any, Any], int]:
    rt, record_id = _record_type(info, gid)
    if not exports.is_global_type(info.context.instance, rt, gid.type_name):
        raise InputError(
            f"{gid.type_name} records are not sent to the global database "
            "(ncen.sharing.global_types)",
            code="NOT_SHARED",
            field=field,
        )
    return rt, record_id


@strawberry.type(description="A validator's checked non-nominal version of a free text.")
class CheckedText:
    path: str = strawberry.field(description="`narrative`, `goods.0.description`...")
    text: str
    checked_at: dt.datetime


@strawberry.type(
    description="A free text of a record: what a validator checked of it, and whether that "
    "check still holds for the text as it is now (then the checked version travels)."
)
class FreeText:
    path: str
    checked_text: str | None
    check_holds: bool
    checked_at: dt.datetime | None


@strawberry.type(
    description="A validator's verdict on a photo: only photos showing no person travel."
)
class PhotoCheck:
    photo_id: strawberry.ID
    shows_no_person: bool
    checked_at: dt.datetime


@strawberry.type(description="One payload queued for the global database, and what became of it.")
class GlobalExport:
    id: strawberry.ID
    record_id: relay.GlobalID
    record_version: int | None
    kind: str = strawberry.field(description="submission, correction or withdrawal")
    status: str = strawberry.field(description="pending, sent, acknowledged or failed")
    payload_sha256: str
    attempts: int
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    acknowledged_at: dt.datetime | None

    @classmethod
    def of(cls, row: ExportEntry) -> GlobalExport:
        return cls(
            id=strawberry.ID(str(row.id)),
            record_id=relay.GlobalID(row.entity_type, row.entity_id),
            record_version=row.record_version,
            kind=row.kind,
            status=row.status,
            payload_sha256=row.payload_sha256,
            attempts=row.attempts,
            error=row.error,
            created_at=row.created_at,
            sent_at=row.sent_at,
            acknowledged_at=row.acknowledged_at,
        )


@strawberry.type
class SharingQuery:
    @strawberry.field(
        description="Exactly the payload that would be sent to the global database for this "
        "record now (core.sharing.export): its non-nominal projection; free text only as checked "
        "by a validator (docs/sharing.md).",
        extensions=[requires(EXPORT)],
    )
    async def cen_preview(self, info: Info[Context, None], id: relay.GlobalID) -> JSON:
        rt, record_id = _global_type(info, id)
        instance = info.context.instance
        async with instance.db.session() as session:
            record = await lifecycle.read(session, rt, record_id, info.context.principal)
            if record is None or rt.entity_type_of(record) != id.type_name:
                raise NotFoundError(f"no such {rt.noun}", field="id")
            last = await exports.last_entry(session, id.type_name, str(record_id))
            payload = await record_payload(instance, session, rt, record, exports.next_kind(last))
            return cast(JSON, payload)

    @strawberry.field(
        description="The export log to the global database, newest first (core.sharing.export).",
        extensions=[requires(EXPORT)],
    )
    async def global_exports(
        self,
        info: Info[Context, None],
        status: str | None = None,
        record_id: relay.GlobalID | None = None,
        first: int = 50,
    ) -> list[GlobalExport]:
        maximum = info.context.instance.config.graphql.max_page_size
        if not 1 <= first <= maximum:
            raise InputError(f"first must be between 1 and {maximum}", field="first")
        if status is not None and status not in EXPORT_STATUSES:
            raise InputError(f"status is one of {', '.join(EXPORT_STATUSES)}", field="status")
        query = select(ExportEntry).order_by(ExportEntry.id.desc()).limit(first)
        if status is not None:
            query = query.where(ExportEntry.status == status)
        if record_id is not None:
            query = query.where(
                ExportEntry.entity_type == record_id.type_name,
                ExportEntry.entity_id == record_id.node_id,
            )
        async with info.context.instance.db.session() as session:
            return [GlobalExport.of(row) for row in await session.scalars(query)]

    @strawberry.field(
        description="The free texts a record holds now and whether each travels: a validator's "
        "checked version that still holds for the text as it is, or nothing "
        "(core.sharing.check). The texts themselves are read from the record (audited).",
        extensions=[requires(CHECK)],
    )
    async def free_texts(self, info: Info[Context, None], id: relay.GlobalID) -> list[FreeText]:
        from core.sharing.projection import digest, projections

        rt, record_id = _record_type(info, id)
        instance = info.context.instance
        async with instance.db.session() as session:
            record = await lifecycle.read(session, rt, record_id, info.context.principal)
            if record is None:
                raise NotFoundError(f"no such {rt.noun}", field="id")
            entity_type = rt.entity_type_of(record)
            rows = {
                row.path: row
                for row in await session.scalars(
                    select(CheckedTextRow).where(
                        CheckedTextRow.entity_type == entity_type,
                        CheckedTextRow.entity_id == str(record.id),
                    )
                )
            }
        found = []
        for path, text in checks_free_texts(projections(instance)[rt.name], record):
            row = rows.get(path)
            found.append(
                FreeText(
                    path=path,
                    checked_text=row.text if row else None,
                    check_holds=row is not None and row.source_sha256 == digest(text),
                    checked_at=row.checked_at if row else None,
                )
            )
        return found


@strawberry.type
class SharingMutation:
    @strawberry.mutation(
        description="Record a checked non-nominal version of one free text of a record "
        "(`narrative`, `goods.0.description`, `extensions.<name>`), which is what sharing "
        "sends in its place; an empty text removes it (core.sharing.check). Audited; an edit of the "
        "original text voids the check.",
        extensions=[requires(CHECK)],
    )
    async def check_free_text(
        self, info: Info[Context, None], id: relay.GlobalID, path: str, text: str | None
    ) -> CheckedText | None:
        rt, record_id = _record_type(info, id)
        context = info.context
        async with context.instance.db.transaction() as session:
            row = await checks.set_checked_text(
                context.instance, session, context.principal, rt, record_id, path, text
            )
            if row is None:
                return None
            return CheckedText(path=row.path, text=row.text, checked_at=row.checked_at)

    @strawberry.mutation(
        description="Say whether a photo of a record shows a person (core.sharing.check): only "
        "photos checked as showing no person travel. Audited.",
        extensions=[requires(CHECK)],
    )
    async def check_photo(
        self, info: Info[Context, None], photo_id: strawberry.ID, shows_no_person: bool
    ) -> PhotoCheck:
        context = info.context
        async with context.instance.db.transaction() as session:
            row = await checks.check_photo(
                context.instance, session, context.principal, str(photo_id), shows_no_person
            )
            return PhotoCheck(
                photo_id=strawberry.ID(row.attachment_id),
                shows_no_person=row.shows_no_person,
                checked_at=row.checked_at,
            )

    @strawberry.mutation(
        description="Queue validated records for the global database (manual batches; "
        "sharing.export). Each becomes a submission, or a correction if it was sent before.",
        extensions=[requires(EXPORT)],
    )
    async def queue_global_export(
        self, info: Info[Context, None], ids: list[relay.GlobalID]
    ) -> list[GlobalExport]:
        if not 1 <= len(ids) <= MAX_BATCH:
            raise InputError(f"give 1 to {MAX_BATCH} ids", field="ids")
        context = info.context
        if context.instance.config.sharing.global_export == "off":
            raise InputError(
                "export to the global database is off (ncen.sharing.global_export)",
                code="EXPORT_OFF",
                field="ids",
            )
        by_type: dict[str, tuple[RecordType[Any, Any], list[int]]] = {}
        for gid in ids:
            rt, record_id = _global_type(info, gid, "ids")
            by_type.setdefault(rt.name, (rt, []))[1].append(record_id)
        entries = []
        async with context.instance.db.transaction() as session:
            for rt, record_ids in by_type.values():
                entries += await exports.queue_records(
                    context.instance, session, context.principal, rt, record_ids
                )
            return [GlobalExport.of(row) for row in entries]


GLOBAL_VIEW = "core.sharing.global_view"


@strawberry.type(
    description="Global mode: a record a national instance sent, as its non-nominal payload. "
    "Read-only; searchable (`search`) on the global database."
)
class GlobalRecord(Entity):
    owner_module: ClassVar[str] = "core"

    id: relay.NodeID[int]
    sender: str = strawberry.field(description="The national instance (icomm peer) it came from.")
    sender_country: str
    record_type: str = strawberry.field(description="Its entity type at the sender: `Seizure`...")
    source_id: str = strawberry.field(description="Its id at the sender.")
    version: int | None
    data: JSON | None = strawberry.field(description="The payload's data; null once withdrawn.")
    payload_sha256: str
    received_at: dt.datetime
    updated_at: dt.datetime
    withdrawn_at: dt.datetime | None

    @classmethod
    def from_row(cls, r: Any) -> GlobalRecord:
        return cls(
            id=r.id,
            sender=r.sender,
            sender_country=r.sender_country,
            record_type=r.entity_type,
            source_id=r.source_id,
            version=r.version,
            data=r.data,
            payload_sha256=r.payload_sha256,
            received_at=r.received_at,
            updated_at=r.updated_at,
            withdrawn_at=r.withdrawn_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's Node.resolve_nodes is overloaded on `required`; one body serves both
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[GlobalRecord | None]:
        """Search hits and `node(id)`: only for holders of core.sharing.global_view."""
        from core.record_ids import record_id
        from core.sharing.models import ReceivedRecord

        wanted = [record_id(i) for i in node_ids]
        if not info.context.principal.can(GLOBAL_VIEW):
            return [None] * len(wanted)
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(
                select(ReceivedRecord).where(ReceivedRecord.id.in_([i for i in wanted if i]))
            )
            found = {row.id: cls.from_row(row) for row in rows}
        return [found.get(i) if i else None for i in wanted]


@strawberry.type
class GlobalRecordsQuery:
    @strawberry.field(
        description="Global mode: records national instances sent, newest first "
        "(core.sharing.global_view). Empty on a national instance.",
        extensions=[requires(GLOBAL_VIEW)],
    )
    async def global_records(
        self,
        info: Info[Context, None],
        country: str | None = None,
        record_type: str | None = None,
        include_withdrawn: bool = False,
        first: int = 50,
    ) -> list[GlobalRecord]:
        from core.sharing.models import ReceivedRecord

        maximum = info.context.instance.config.graphql.max_page_size
        if not 1 <= first <= maximum:
            raise InputError(f"first must be between 1 and {maximum}", field="first")
        query = select(ReceivedRecord).order_by(ReceivedRecord.id.desc()).limit(first)
        if country is not None:
            query = query.where(ReceivedRecord.sender_country == country.upper())
        if record_type is not None:
            query = query.where(ReceivedRecord.entity_type == record_type)
        if not include_withdrawn:
            query = query.where(ReceivedRecord.withdrawn_at.is_(None))
        async with info.context.instance.db.session() as session:
            return [GlobalRecord.from_row(r) for r in await session.scalars(query)]
