"""GraphQL inputs of the seizures API. On update, a field left out keeps its value; null clears it
and a list given replaces the whole list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import UNSET

from plugins.seizures.types import SeizureForm


@strawberry.input(name="SeizurePlaceInput")
class PlaceInput:
    country: str = strawberry.field(description="ISO 3166 alpha-2 (list `countries`).")
    code: str | None = None
    name: str | None = None
    location_type: str | None = strawberry.field(
        default=None, description="List `seizures_location_types`."
    )


@strawberry.input(name="SeizureConcealmentInput")
class ConcealmentInput:
    method: str | None = strawberry.field(
        default=None, description="List `seizures_concealment_methods`."
    )
    description: str | None = None
    photos: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="All concealment photos: ids of photos already on the seizure, and of your "
        "uploads (POST /attachments) to add. Photos left out are removed; null keeps them as "
        "they are.",
    )


@strawberry.input(name="SeizureConveyanceInput")
class ConveyanceInput:
    transport_mode: str | None = strawberry.field(
        default=None, description="List `transport_modes`."
    )
    type: str | None = strawberry.field(
        default=None, description="List `seizures_conveyance_types`."
    )
    identifier: str | None = None
    vessel_imo: str | None = None
    country: str | None = None
    containers: list[str] = strawberry.field(default_factory=list)


@strawberry.input(name="SeizureGoodsLineInput")
class GoodsLineInput:
    commodity: str = strawberry.field(description="List `seizures_commodities`.")
    hs_code: str | None = None
    description: str | None = None
    brand: str | None = None
    quantity: Decimal | None = None
    unit: str | None = strawberry.field(default=None, description="List `units` (UN/ECE Rec. 20).")
    pieces: int | None = None
    value: Decimal | None = None
    currency: str | None = strawberry.field(default=None, description="List `currencies`.")


@strawberry.input(name="SeizureRouteLegInput")
class RouteLegInput:
    role: str = strawberry.field(description="List `seizures_route_roles`.")
    country: str
    place: str | None = None
    date: dt.date | None = None


@strawberry.input(name="SeizureOffenderSummaryInput")
class OffenderSummaryInput:
    count: int = 1
    nationality: str | None = None
    gender: str | None = None
    age_band: str | None = None
    role: str | None = None


@strawberry.input(
    description="A seizure's content; on create, seizureDate, place and area are required."
)
class SeizureInput:
    form: SeizureForm | None = UNSET
    national_case_number: str | None = UNSET
    seizure_date: dt.date | None = UNSET
    seizure_time: dt.time | None = UNSET
    reporting_office: str | None = UNSET
    place: PlaceInput | None = UNSET
    direction: str | None = UNSET
    area: str | None = UNSET
    offence_type: str | None = UNSET
    detection_method: str | None = UNSET
    risk_indicators: list[str] | None = UNSET
    concealment: ConcealmentInput | None = UNSET
    conveyance: ConveyanceInput | None = UNSET
    goods: list[GoodsLineInput] | None = UNSET
    route: list[RouteLegInput] | None = UNSET
    offenders: list[OffenderSummaryInput] | None = UNSET
    narrative: str | None = UNSET
    internal_notes: str | None = UNSET
    extra: strawberry.scalars.JSON | None = UNSET
