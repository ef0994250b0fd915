"""GraphQL of records connected national instances shared here: read them, check an import,
import them as local drafts, link them to local records (core/sharing/imports.py), erase them
(core/sharing/share_erasure.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.attachments.gql import Photo, load_photos
from core.audit.consultation import note_consultation
from core.auth.guard import requires, signed_in
from core.gql.context import Context
from core.gql.entity import Entity
from core.gql.errors import InputError
from core.links.schema import WRITE
from core.records.gql import Record
from core.sharing import imports, share_erasure
from core.sharing.models import PEER_RECORD_STATUSES, PeerRecord
from core.sharing.peers import PEER_RECORD


@strawberry.type(description="A reason an import would be refused, with the field at fault.")
class ImportProblem:
    field: str
    code: str
    message: str


@strawberry.type(description="A local record that may be the same as a received share.")
class DuplicateHint:
    record_id: relay.GlobalID
    score: float = strawberry.field(description="0 to 100: how alike.")
    reasons: list[str] = strawberry.field(
        description="What is alike: `document`, `name` (with a compatible birth date), "
        "`vat:NL004495445B01` (the same registration identifier)..."
    )


@strawberry.type(description="Whether a received share imports as it is, and its likely twins.")
class ImportCheck:
    importable: bool
    problems: list[ImportProblem]
    duplicates: list[DuplicateHint]


@strawberry.type(
    description="A record a connected national instance shared with this one under an "
    "agreement: read-only, with its provenance. Import it as a local draft "
    "(`importReceivedShare`) or link it to a local record (`linkReceivedShare`); erase its "
    "content (`eraseReceivedShare`, or by erasing the local record it became). Readable by "
    "holders of the view permission of its record type."
)
class ReceivedShare(Entity):
    owner_module: ClassVar[str] = "core"

    id: relay.NodeID[int]
    sender: str = strawberry.field(description="The connected instance (icomm peer) it came from.")
    sender_country: str | None
    sender_key_id: str = strawberry.field(description="The key its envelope was signed with.")
    agreement_reference: str = strawberry.field(description="The agreement it was received under.")
    legal_basis: str
    record_type: str = strawberry.field(description="Its entity type: `Person`, `Seizure`...")
    source_id: str = strawberry.field(description="Its id at the sender.")
    version: int | None
    nominal: bool = strawberry.field(description="Whether it carries nominal fields.")
    data: JSON = strawberry.field(
        description="Its non-nominal payload (docs/sharing.md); empty once erased."
    )
    nominal_fields: strawberry.Private[dict[str, Any] | None]
    shared_by: str | None
    received_at: dt.datetime
    status: str = strawberry.field(
        description="received, imported, linked or erased (a tombstone: provenance only)"
    )
    local_record_id: relay.GlobalID | None = strawberry.field(
        description="The local record it was imported as, or first linked to."
    )
    handled_by: str | None
    handled_at: dt.datetime | None
    erased_by: str | None = strawberry.field(
        description="Who erased its content (`eraseReceivedShare`, or the erasure of the local "
        "record it became: then who erased that)."
    )
    erased_at: dt.datetime | None
    erasure_reason: str | None

    @classmethod
    def from_row(cls, r: PeerRecord) -> ReceivedShare:
        local = relay.GlobalID(r.local_type, r.local_id) if r.local_type and r.local_id else None
        erasure = share_erasure.erasure_of(r)
        return cls(
            id=r.id,
            sender=r.sender,
            sender_country=r.sender_country,
            sender_key_id=r.sender_key_id,
            agreement_reference=r.agreement_reference,
            legal_basis=r.legal_basis,
            record_type=r.entity_type,
            source_id=r.source_id,
            version=r.version,
            nominal=r.nominal,
            data=cast(JSON, {} if erasure is not None else r.data),
            nominal_fields=r.fields,
            shared_by=r.shared_by,
            received_at=r.received_at,
            status=r.status,
            local_record_id=local,
            handled_by=r.handled_by,
            handled_at=r.handled_at,
            erased_by=erasure.get("by") if erasure else None,
            erased_at=share_erasure.erased_at(r),
            erasure_reason=erasure.get("reason") if erasure else None,
        )

    @strawberry.field(
        description="Nominal shares: the whole record by input path, what an import fills "
        "(each read is audited as a consultation); null for a non-nominal share."
    )
    def fields(self, info: Info[Context, None]) -> JSON | None:
        if self.nominal_fields is not None:
            note_consultation(info, "ReceivedShare", self.id)
        return cast("JSON | None", self.nominal_fields)

    @strawberry.field(
        description="The photos that came with it: those the sender's validator checked as "
        "showing no person (each download audited)."
    )
    async def photos(self, info: Info[Context, None]) -> list[Photo]:
        return await load_photos(info, PEER_RECORD, self.id)

    @strawberry.field(
        description="Every check an import would run, without writing, and the local records "
        "it may duplicate (same document, similar name and birth date, same registration "
        "number). Needs the right to create records of its type."
    )
    async def import_check(self, info: Info[Context, None]) -> ImportCheck:
        instance, principal = info.context.instance, info.context.principal
        async with instance.db.session() as session:
            row = await imports.get_readable(instance, session, principal, self.id)
            entity_type = row.entity_type
            found = await imports.import_check(instance, session, principal, row)
            await session.rollback()  # nothing of the check stays
        return ImportCheck(
            importable=found.importable,
            problems=[ImportProblem(field=f, code=c, message=m) for f, c, m in found.errors],
            duplicates=[
                DuplicateHint(
                    record_id=relay.GlobalID(entity_type, str(h.record_id)),
                    score=h.score,
                    reasons=list(h.reasons),
                )
                for h in found.duplicates
            ],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's Node.resolve_nodes is overloaded on `required`; one body serves both
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ReceivedShare | None]:
        """`node(id)` and links: only shares the caller may read."""
        from sqlalchemy import select

        from core.record_ids import record_id

        wanted = [record_id(i) for i in node_ids]
        instance, principal = info.context.instance, info.context.principal
        async with instance.db.session() as session:
            rows = await session.scalars(
                select(PeerRecord).where(PeerRecord.id.in_([i for i in wanted if i]))
            )
            found = {
                r.id: cls.from_row(r) for r in rows if imports.can_read(instance, principal, r)
            }
        return [found.get(i) if i else None for i in wanted]


@strawberry.type(description="A received share imported as a local draft record.")
class ImportedShare:
    share: ReceivedShare
    record: Record


@strawberry.type
class ReceivedSharesQuery:
    @strawberry.field(
        description="Records connected national instances shared here, newest first: those of "
        "the record types you may view.",
        extensions=[signed_in()],
    )
    async def received_shares(
        self,
        info: Info[Context, None],
        status: str | None = None,
        record_type: str | None = None,
        first: int = 50,
    ) -> list[ReceivedShare]:
        maximum = info.context.instance.config.graphql.max_page_size
        if not 1 <= first <= maximum:
            raise InputError(f"first must be between 1 and {maximum}", field="first")
        if status is not None and status not in PEER_RECORD_STATUSES:
            raise InputError(f"one of {', '.join(PEER_RECORD_STATUSES)}", field="status")
        instance = info.context.instance
        async with instance.db.session() as session:
            rows = await imports.readable_rows(
                instance,
                session,
                info.context.principal,
                status=status,
                record_type=record_type,
                first=first,
            )
        return [ReceivedShare.from_row(r) for r in rows]


def _share_id(gid: relay.GlobalID) -> int:
    if gid.type_name != "ReceivedShare" or not gid.node_id.isdigit():
        raise InputError("not the id of a received share", field="id")
    return int(gid.node_id)


@strawberry.type
class ReceivedSharesMutation:
    @strawberry.mutation(
        description="Import a received share as a local draft record, through the record "
        "lifecycle, as you (its module's create permission applies). Only shares carrying "
        "nominal fields import (NOT_IMPORTABLE otherwise: link them). Audited with the legal "
        "basis; the sender is told (a receipt).",
        extensions=[signed_in()],
    )
    async def import_received_share(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ImportedShare:
        row, rt, record = await imports.import_peer_record(
            info.context.instance, info.context.principal, _share_id(id)
        )
        return ImportedShare(share=ReceivedShare.from_row(row), record=rt.to_graphql(record))

    @strawberry.mutation(
        description="Link a received share to a local record you may see (relation "
        "`sharedAs`; core.links.write). Audited with the legal basis; the first link is "
        "reported to the sender.",
        extensions=[requires(WRITE)],
    )
    async def link_received_share(
        self, info: Info[Context, None], id: relay.GlobalID, record_id: relay.GlobalID
    ) -> ReceivedShare:
        from core.records.mutations import decode_id
        from core.records.registry import record_registry

        rt = record_registry(info.context.instance).get(record_id.type_name)
        if rt is None:
            raise InputError(f"{record_id.type_name!r} is not a record type here", field="recordId")
        row = await imports.link_peer_record(
            info.context.instance,
            info.context.principal,
            _share_id(id),
            record_id.type_name,
            decode_id(rt, record_id),
        )
        return ReceivedShare.from_row(row)

    @strawberry.mutation(
        description="Erase a received share's content: its payload, nominal fields, photos and "
        "links. A tombstone stays with its provenance (peer, agreement, legal basis, times) and "
        "who erased it and why; audited with the legal basis. Needs the erase permission of its "
        "record type (`suspects.erase` for persons): NOT_FOUND, FORBIDDEN, NOT_ERASABLE, "
        "ALREADY_ERASED, REASON_REQUIRED.",
        extensions=[signed_in()],
    )
    async def erase_received_share(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ReceivedShare:
        row = await share_erasure.erase_received_share(
            info.context.instance, info.context.principal, _share_id(id), reason
        )
        return ReceivedShare.from_row(row)


def link_types(instance: Any) -> list[Any]:
    """`ReceivedShare --sharedAs--> <every record type>` (read back as `receivedShares`)."""
    from core.links.declarations import LinkType
    from core.records.registry import record_registry

    entity_types = sorted({t for rt in record_registry(instance) for t in rt.accepted_id_types})
    return [
        LinkType(
            "ReceivedShare",
            imports.RELATION,
            entity_type,
            imports.INVERSE,
            "A record a connected instance shared, and the local record it is.",
        )
        for entity_type in entity_types
    ]
