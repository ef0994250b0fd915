"""GraphQL inputs of the suspects API. On update, a field left out keeps its value; null clears it
and a list given replaces the whole list."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import UNSET

from plugins.suspects.types import ConveyanceKind, PersonCategory


@strawberry.input
class IdentityDocumentInput:
    type: str = strawberry.field(description="List `suspects_document_types`.")
    number: str = strawberry.field(description="Compared without case, spaces or separators.")
    issuing_country: str = strawberry.field(description="ISO 3166 alpha-2 (list `countries`).")
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None


@strawberry.input
class PersonAddressInput:
    line: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = strawberry.field(default=None, description="List `countries`.")


@strawberry.input(
    description="A person's content; on create, category and familyName are required."
)
class PersonInput:
    category: PersonCategory | None = UNSET
    family_name: str | None = UNSET
    given_names: str | None = UNSET
    original_script_name: str | None = strawberry.field(
        default=UNSET, description="The name as written in its own script (e.g. Arabic, Cyrillic)."
    )
    transliteration: str | None = strawberry.field(
        default=UNSET, description="Latin transliteration of the original-script name."
    )
    aliases: list[str] | None = UNSET
    date_of_birth: str | None = strawberry.field(
        default=UNSET, description="Full or partial: `1984`, `1984-03` or `1984-03-02`."
    )
    birth_place: str | None = UNSET
    birth_country: str | None = strawberry.field(default=UNSET, description="List `countries`.")
    gender: str | None = strawberry.field(default=UNSET, description="List `suspects_genders`.")
    nationalities: list[str] | None = strawberry.field(
        default=UNSET, description="List `countries`; several allowed."
    )
    documents: list[IdentityDocumentInput] | None = UNSET
    addresses: list[PersonAddressInput] | None = UNSET
    phones: list[str] | None = UNSET
    email: str | None = UNSET
    occupation: str | None = UNSET
    assessment: str | None = strawberry.field(
        default=UNSET, description="An officer's assessment, kept apart from the facts."
    )
    photos: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="Face photos: ids of the caller's uploads (POST /attachments); the full "
        "list, photos left out are removed.",
    )
    review_date: dt.date | None = strawberry.field(
        default=UNSET,
        description="When the record must be reviewed or erased; default: `review_years` (a module setting, 3 unless configured) ahead.",
    )


@strawberry.input(
    description="A means of conveyance. Give the fields of its kind: vehicle (plate, country, "
    "make, model, vin), vessel (name, imo, mmsi, country = flag), aircraft (registration, "
    "country), container (containerNumber)."
)
class MeansOfConveyanceInput:
    kind: ConveyanceKind | None = UNSET
    plate: str | None = UNSET
    make: str | None = UNSET
    model: str | None = UNSET
    vin: str | None = UNSET
    name: str | None = UNSET
    imo: str | None = UNSET
    mmsi: str | None = UNSET
    registration: str | None = UNSET
    container_number: str | None = UNSET
    country: str | None = strawberry.field(
        default=UNSET, description="Registration country, or a vessel's flag (list `countries`)."
    )
    notes: str | None = UNSET
