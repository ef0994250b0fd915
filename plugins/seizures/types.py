"""GraphQL types of the seizures module, built from ORM cases or Core rows (`CaseRecord`).

Everything a list serves is computed once per case in `Seizure.from_row`, so that most fields
resolve as plain attributes, synchronously; what is costly and rarely selected (completeness,
missing fields) is computed only when selected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.attachments.gql import Photo, load_photos
from core.attachments.service import AttachmentInfo
from core.audit.consultation import audited, note_consultation
from core.forms import extension_values_field
from core.gql.batch_load import load_now
from core.gql.context import Context, Principal
from core.record_ids import record_id
from core.records import Record
from plugins.seizures import access, forms, loaders
from plugins.seizures.models import Case


@strawberry.enum(description="Where a seizure is in the validation workflow.")
class SeizureStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


@strawberry.enum(description="Simplified: the statistical minimum; full: the complete record.")
class SeizureForm(Enum):
    SIMPLIFIED = "simplified"
    FULL = "full"


def nominal(info: Info[Context, None], case_id: int, value: str | None) -> str | None:
    """Serve a possibly nominal free-text value, noting the consultation for the audit log."""
    if value:
        note_consultation(info, "Seizure", case_id)
    return value


@strawberry.type(name="SeizurePlace", description="Where the seizure took place.")
class Place:
    country: str
    code: str | None = strawberry.field(description="UN/LOCODE or customs office code.")
    name: str | None
    location_type: str | None


@strawberry.type(name="SeizureConcealment")
class Concealment:
    method: str | None
    description_value: strawberry.Private[str | None]
    case_id: strawberry.Private[int]
    # Read with the page (`loaders.read_page`); None: load them through the request's loader.
    photo_infos: strawberry.Private[list[AttachmentInfo] | None] = None

    @strawberry.field(
        description="Free text, possibly nominal: reading it is audited.",
        metadata=audited("Seizure", "description_value", "case_id"),
    )
    def description(self, info: Info[Context, None]) -> str | None:
        return nominal(info, self.case_id, self.description_value)

    @strawberry.field(description="Photos of the concealment (files served over HTTP).")
    def photos(self, info: Info[Context, None]) -> list[Photo]:
        # Synchronous when the page brought the photos: an awaitable per record would take
        # graphql-core off its synchronous path for the whole list.
        if self.photo_infos is not None:
            return [Photo.of(item) for item in self.photo_infos]
        return load_photos(info, "Seizure", self.case_id)  # type: ignore[return-value]


@strawberry.type(name="SeizureConveyance")
class Conveyance:
    transport_mode: str | None = strawberry.field(description="UN/ECE Recommendation 19 code.")
    type: str | None
    identifier: str | None = strawberry.field(description="Flight number, vessel name, plate...")
    vessel_imo: str | None
    country: str | None = strawberry.field(description="Flag or registration country.")
    containers: list[str] = strawberry.field(description="ISO 6346 numbers, normalised.")


# The three child types below are served straight from the child rows (ORM instances or Core
# rows, whose attribute names they share): no copy per line.


@strawberry.type(name="SeizureGoodsLine")
class GoodsLineType:
    position: int
    commodity: str
    hs_code: str | None
    brand: str | None
    quantity: Decimal | None
    unit: str | None = strawberry.field(description="UN/ECE Recommendation 20 code.")
    pieces: int | None
    value: Decimal | None
    currency: str | None

    @strawberry.field(
        description="Free text, possibly nominal: reading it is audited.",
        metadata=audited("Seizure", "description", "case_id"),
    )
    def description(root: Any, info: Info[Context, None]) -> str | None:
        # `root` is the goods row (`GoodsLine` or a Core row), which holds `description`.
        return nominal(info, root.case_id, root.description)


@strawberry.type(name="SeizureRouteLeg")
class RouteLegType:
    position: int
    role: str
    country: str
    place: str | None
    date: dt.date | None


@strawberry.type(
    name="SeizureOffenderSummary", description="Non-nominal: identities live in suspects."
)
class OffenderSummaryType:
    count: int
    nationality: str | None
    gender: str | None
    age_band: str | None
    role: str | None


@strawberry.type(description="A seizure or offence case.")
class Seizure(Record):
    owner_module: ClassVar[str] = "seizures"

    id: relay.NodeID[int]
    reference: str
    national_case_number: str | None
    status: SeizureStatus
    form: SeizureForm
    version: int = strawberry.field(description="Send it back with an update; stale ones fail.")
    seizure_date: dt.date
    seizure_time: dt.time | None
    reporting_office: str | None
    place: Place
    direction: str | None
    area: str
    offence_type: str | None
    detection_method: str | None
    risk_indicators: list[str]
    concealment: Concealment
    conveyance: Conveyance
    goods: list[GoodsLineType]  # the child rows themselves, see GoodsLineType
    route: list[RouteLegType]
    offenders: list[OffenderSummaryType]
    narrative_value: strawberry.Private[str | None]
    internal_notes_value: strawberry.Private[str | None]
    completeness: float = strawberry.field(
        description="Share of the full form filled, 0 to 1.",
        resolver=lambda root: forms.completeness(root.source),
    )
    missing_fields: list[str] = strawberry.field(
        description="Full-form fields still empty.",
        resolver=lambda root: forms.missing_fields(root.source),
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    validated_at: dt.datetime | None
    extra: strawberry.scalars.JSON = extension_values_field(access.ENTITY)
    # The ORM case or Core row the object was built from, for the fields computed on demand.
    source: strawberry.Private[Any]

    @strawberry.field(
        description="Free text, possibly nominal: reading it is audited.",
        metadata=audited("Seizure", "narrative_value", "id"),
    )
    def narrative(self, info: Info[Context, None]) -> str | None:
        return nominal(info, self.id, self.narrative_value)

    @strawberry.field(
        description="Free text, possibly nominal: reading it is audited.",
        metadata=audited("Seizure", "internal_notes_value", "id"),
    )
    def internal_notes(self, info: Info[Context, None]) -> str | None:
        return nominal(info, self.id, self.internal_notes_value)

    @classmethod
    def from_row(cls, case: Case | Any) -> Seizure:
        """From an ORM `Case` or a `loaders.CaseRecord` (the same attribute names)."""
        return cls(
            id=case.id,
            reference=case.reference,
            national_case_number=case.national_case_number,
            # None when a page did not read the column (its selection serves neither).
            status=SeizureStatus(case.status) if case.status else None,  # type: ignore[arg-type]
            form=SeizureForm(case.form) if case.form else None,  # type: ignore[arg-type]
            version=case.version,
            seizure_date=case.seizure_date,
            seizure_time=case.seizure_time,
            reporting_office=case.reporting_office,
            place=Place(
                country=case.place_country,
                code=case.place_code,
                name=case.place_name,
                location_type=case.location_type,
            ),
            direction=case.direction,
            area=case.area,
            offence_type=case.offence_type,
            detection_method=case.detection_method,
            risk_indicators=[r.code for r in case.risk_indicators],
            concealment=Concealment(
                method=case.concealment_method,
                description_value=case.concealment_description,
                case_id=case.id,
                photo_infos=loaders.photo_infos(case),
            ),
            conveyance=Conveyance(
                transport_mode=case.transport_mode,
                type=case.conveyance_type,
                identifier=case.conveyance_identifier,
                vessel_imo=case.vessel_imo,
                country=case.conveyance_country,
                containers=[c.number for c in case.containers],
            ),
            goods=case.goods,
            route=case.route,
            offenders=case.offenders,
            narrative_value=case.narrative,
            internal_notes_value=case.internal_notes,
            created_at=case.created_at,
            updated_at=case.updated_at,
            submitted_at=case.submitted_at,
            validated_at=case.validated_at,
            extra=case.extra or {},
            source=case,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Seizure | None]:
        """Batched through the request's loader; invisible seizures come back as null."""
        principal = info.context.principal
        ids = [record_id(i) or 0 for i in node_ids]
        found = await load_now(loaders.cases_for(info), ids)
        return [visible_seizure(case, principal) for case in found]


def visible_seizure(case: Case | None, principal: Principal) -> Seizure | None:
    """The GraphQL object, or None when there is no such case or the caller may not see it."""
    return Seizure.from_row(case) if case is not None and access.can_see(principal, case) else None
