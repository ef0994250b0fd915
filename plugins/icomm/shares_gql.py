"""GraphQL of records shared with connected instances: `shareRecord` and `recordShares`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import InputError
from plugins.icomm import shares
from plugins.icomm.models import Envelope, Share


@strawberry.type(
    name="RecordShare",
    description="A record shared with a connected instance, and what became of it.",
)
class RecordShareType:
    id: strawberry.ID = strawberry.field(description="The share's id, the same on both sides.")
    record_id: relay.GlobalID
    record_version: int | None
    peer: str
    nominal: bool = strawberry.field(description="Whether nominal fields were included.")
    agreement_reference: str = strawberry.field(description="The legal basis it was sent under.")
    payload_sha256: str
    shared_by: str
    created_at: dt.datetime
    status: str = strawberry.field(
        description="queued (not delivered yet: the peer may be down), delivered (the peer's "
        "signed receipt says it kept it), failed (refused, or the agreement was revoked before "
        "delivery: see `error`), then imported or linked (the peer's officer did so)."
    )
    error: str | None
    status_at: dt.datetime | None

    @classmethod
    def of(cls, share: Share, envelope: Envelope | None) -> RecordShareType:
        status = share.remote_status or (envelope.status if envelope else "failed")
        return cls(
            id=strawberry.ID(share.uid),
            record_id=relay.GlobalID(share.entity_type, share.entity_id),
            record_version=share.record_version,
            peer=share.peer_name,
            nominal=share.nominal,
            agreement_reference=share.agreement_reference,
            payload_sha256=share.payload_sha256,
            shared_by=share.shared_by,
            created_at=share.created_at,
            status=status,
            error=envelope.last_error if envelope else None,
            status_at=share.remote_status_at or (envelope.updated_at if envelope else None),
        )


@strawberry.type
class IcommSharesQuery:
    @strawberry.field(
        description="Records shared with connected instances, newest first: those you may see "
        "(icomm.records.share).",
        extensions=[requires(shares.SHARE)],
    )
    async def record_shares(
        self,
        info: Info[Context, None],
        record_id: relay.GlobalID | None = None,
        peer: str | None = None,
        first: int = 50,
    ) -> list[RecordShareType]:
        maximum = info.context.instance.config.graphql.max_page_size
        if not 1 <= first <= maximum:
            raise InputError(f"first must be between 1 and {maximum}", field="first")
        found = await shares.list_shares(
            info.context.instance, info.context.principal, record=record_id, peer=peer, first=first
        )
        return [RecordShareType.of(share, envelope) for share, envelope in found]


@strawberry.type
class IcommSharesMutation:
    @strawberry.mutation(
        description="Share a record with a connected instance (icomm.records.share), under an "
        "agreement with it valid today that names the record type, and covers nominal data if "
        "`includeNominal` (errors: UNKNOWN_PEER, NO_AGREEMENT, AGREEMENT_EXCLUDES_TYPE, "
        "AGREEMENT_EXCLUDES_NOMINAL, NOMINAL_NOT_SUPPORTED). Without nominal data, only the "
        "record's non-nominal projection leaves (as for the global database); with it, the "
        "whole record. Signed, delivered through the outbox, audited with the legal basis.",
        extensions=[requires(shares.SHARE)],
    )
    async def share_record(
        self, info: Info[Context, None], id: relay.GlobalID, peer: str, include_nominal: bool
    ) -> RecordShareType:
        share, envelope = await shares.share_record(
            info.context.instance, info.context.principal, id, peer, include_nominal
        )
        return RecordShareType.of(share, envelope)


async def record_shares(record: Any, context: Context) -> list[RecordShareType]:
    """`shares` on every record type: the record's shares, for holders of icomm.records.share."""
    if not context.principal.can(shares.SHARE):
        return []
    type_name = type(record).__strawberry_definition__.name
    found = await shares.list_shares(
        context.instance,
        context.principal,
        record=relay.GlobalID(type_name, str(record.id)),
        peer=None,
        first=100,
    )
    return [RecordShareType.of(share, envelope) for share, envelope in found]
