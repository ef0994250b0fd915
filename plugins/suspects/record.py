"""The suspects record types, persons and means of conveyance: what core's lifecycle needs to
know about them.

Create, update, the person workflow, delete, erasure, versions, photos, links, audit, search
updates and record events are core's (`core.records`). Audit events carry field names and
states, never content (names, numbers, comments): a person's return comment and edit reason stay
on the record (`workflow_comment`), so that erasure leaves nothing personal in the append-only log.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from strawberry.relay import to_base64

from core.gql.errors import ConflictError, InputError
from core.instance import Instance
from core.matching import Profile
from core.records import (
    DuplicateHint,
    Erasure,
    RecordType,
    Requirement,
    WriteContext,
    child_rows,
    copy_given,
    given,
)
from core.search import SearchDocument
from plugins.suspects import access, duplicates, matching
from plugins.suspects.identifiers import registration_key
from plugins.suspects.inputs import MeansOfConveyanceInput, PersonInput
from plugins.suspects.loaders import with_children
from plugins.suspects.models import (
    Conveyance,
    Person,
    PersonAddressRow,
    PersonAlias,
    PersonDocument,
    PersonNameKey,
    PersonNationality,
    PersonPhone,
)
from plugins.suspects.names import name_keys
from plugins.suspects.types import ErasureGround
from plugins.suspects.validation import (
    ALL_SPECIFIC,
    parse_birth,
    validate_conveyance,
    validate_person,
)

_PERSON_SCALARS = (
    "family_name",
    "given_names",
    "original_script_name",
    "transliteration",
    "birth_place",
    "birth_country",
    "gender",
    "occupation",
    "email",
    "assessment",
    "review_date",
)


class PersonRecord(RecordType[Person, PersonInput]):
    name, module, noun = "Person", "suspects", "person"
    model, input, output = Person, PersonInput, "plugins.suspects.types:Person"
    workflow = access.WORKFLOW
    personal = True
    collections = {
        "aliases": "aliases",
        "nationalities": "nationalities",
        "documents": "documents",
        "addresses": "addresses",
        "phones": "phones",
        "name_keys": None,  # rebuilt from the names on every write
    }
    requirements = (
        Requirement(
            "familyName",
            lambda p: bool(p.family_name),
            "the family name is required",
            on_save=True,
        ),
        Requirement(
            "category", lambda p: bool(p.category), "the category is required", on_save=True
        ),
    )
    photos_field = "photos"
    erasure = Erasure(
        access.ERASE,
        ErasureGround,
        "Erase a person for good: record, links, search document and photos. Only an audit "
        "event without content remains. `RETENTION_ENDED` needs the review date passed.",
    )
    descriptions = {
        "create": "Create a draft person; ask for its `possibleDuplicates` in the same response "
        "(link to one of them rather than keeping a twin).",
        "delete": "Delete a draft person entered by mistake (removed entirely, with its links, "
        "photos and search document).",
    }

    def load(self, query: Select[Any]) -> Select[Any]:
        return with_children(query).options(selectinload(Person.name_keys))

    def new(self, ctx: WriteContext, data: PersonInput) -> Person:
        """A review date `review_years` (a module setting) from today unless one is given."""
        years = ctx.instance.settings("suspects").review_years
        today = dt.date.today()
        return Person(review_date=today.replace(year=today.year + years, day=min(today.day, 28)))

    async def validate(self, ctx: WriteContext, data: PersonInput, record: Person | None) -> None:
        await validate_person(ctx.session, data)

    def apply(self, person: Person, data: PersonInput) -> None:
        for name in _PERSON_SCALARS:
            value = getattr(data, name)
            if given(value) and not (name == "review_date" and value is None):
                setattr(person, name, value)
        if given(data.category) and data.category is not None:
            person.category = data.category.value
        if given(data.date_of_birth):
            parts = parse_birth(data.date_of_birth)
            person.birth_year, person.birth_month, person.birth_day = (
                parts.year,
                parts.month,
                parts.day,
            )
        if given(data.aliases):
            person.aliases = [
                PersonAlias(position=i, name=n) for i, n in enumerate(data.aliases or [])
            ]
        if given(data.nationalities):
            person.nationalities = [
                PersonNationality(position=i, country=c)
                for i, c in enumerate(data.nationalities or [])
            ]
        if given(data.documents):
            person.documents = child_rows(PersonDocument, data.documents)
        if given(data.addresses):
            person.addresses = child_rows(
                PersonAddressRow,
                [
                    a
                    for a in data.addresses or []
                    if any((a.line, a.city, a.postal_code, a.country))
                ],
            )
        if given(data.phones):
            person.phones = [
                PersonPhone(position=i, number=n) for i, n in enumerate(data.phones or [])
            ]
        person.name_keys = [
            PersonNameKey(key=k) for k in sorted(name_keys(duplicates.profile_of(person).variants))
        ]

    def check_erasable(self, person: Person, ground: enum.Enum) -> None:
        if ground is ErasureGround.RETENTION_ENDED and person.review_date > dt.date.today():
            raise ConflictError(
                "the retention period has not ended (review date not reached)", field="ground"
            )

    def search_document(self, instance: Instance, person: Person) -> SearchDocument:
        from plugins.suspects.search import person_document

        return person_document(person)

    async def duplicate_hints(self, ctx: WriteContext, person: Person) -> list[DuplicateHint]:
        """Visible persons with the same document, or a similar name and compatible birth date."""
        found = await duplicates.find(ctx.session, ctx.principal, duplicates.profile_of(person))
        return [DuplicateHint(d.person.id, d.score, d.reasons) for d in found]

    match_children = ("aliases", "nationalities", "documents", "phones")

    def match_profile(self, person: Person) -> Profile:
        return matching.person_profile(person)


# Copied as given: every kind-specific field (the others were emptied by validation), and notes.
_CONVEYANCE_FIELDS = (*sorted(ALL_SPECIFIC), "notes")
_IDENTIFIER_NEEDED = {
    "vehicle": ("plate", "a vehicle needs a plate (with its country) or a VIN"),
    "vessel": ("name", "a vessel needs a name or an IMO number"),
    "aircraft": ("registration", "an aircraft needs its registration"),
    "container": ("containerNumber", "a container needs its number"),
}


def conveyance_key(row: Conveyance) -> str | None:
    """The identifier that makes a conveyance unique within its kind."""
    if row.kind == "vehicle":
        return f"{row.plate}:{row.country}" if row.plate and row.country else row.vin
    if row.kind == "vessel":
        return row.imo
    if row.kind == "aircraft":
        return registration_key(row.registration) if row.registration else None
    return row.container_number


class ConveyanceRecord(RecordType[Conveyance, MeansOfConveyanceInput]):
    """Vehicles, vessels, aircraft and containers: one table, four entity types, no workflow
    (a conveyance is a fact anyone with `suspects.edit` may correct)."""

    name, module, noun = "Conveyance", "suspects", "conveyance"
    model, input = Conveyance, MeansOfConveyanceInput
    output = "plugins.suspects.types:MeansOfConveyance"
    id_types = ("Vehicle", "Vessel", "Aircraft", "Container")
    view, edit = access.VIEW, access.EDIT
    descriptions = {
        "create": "Record a vehicle, vessel, aircraft or container. An identifier already "
        "recorded is refused with DUPLICATE and `existingId`: link to that record instead.",
    }

    def new(self, ctx: WriteContext, data: MeansOfConveyanceInput) -> Conveyance:
        return Conveyance(kind=data.kind.value)  # type: ignore[union-attr]

    async def validate(
        self, ctx: WriteContext, data: MeansOfConveyanceInput, record: Conveyance | None
    ) -> None:
        if record is None:
            if not given(data.kind) or data.kind is None:
                raise InputError("the kind is required", field="kind", code="REQUIRED")
            kind = data.kind.value
        else:
            kind = record.kind
            if given(data.kind) and data.kind is not None and data.kind.value != kind:
                raise InputError("the kind of a conveyance cannot change", field="kind")
        await validate_conveyance(ctx.session, kind, data)

    def apply(self, row: Conveyance, data: MeansOfConveyanceInput) -> None:
        copy_given(row, data, _CONVEYANCE_FIELDS)
        row.key = conveyance_key(row)

    def check(self, row: Conveyance) -> None:
        if row.kind == "vehicle" and row.plate and not row.country:
            raise InputError("a plate needs its country", field="country", code="REQUIRED")
        if row.kind == "vessel" and (row.name or row.imo):
            return
        if row.key is None:
            field, message = _IDENTIFIER_NEEDED[row.kind]
            raise InputError(message, field=field, code="REQUIRED")

    async def before_save(self, ctx: WriteContext, row: Conveyance) -> None:
        """One record per identifier and kind: a twin is refused with its id."""
        if row.key is None:
            return
        twin = await ctx.session.scalar(
            select(Conveyance.id).where(
                Conveyance.kind == row.kind,
                Conveyance.key == row.key,
                Conveyance.id != (row.id or 0),
            )
        )
        if twin is not None:
            raise _duplicate(row, existingId=to_base64(row.kind.title(), twin))

    def integrity_error(self, row: Conveyance) -> ConflictError:
        return _duplicate(row)  # a concurrent twin committed first

    def entity_filter(self, entity_type: str) -> Any:
        return Conveyance.kind == entity_type.lower()

    def entity_type_of(self, row: Conveyance) -> str:
        return row.kind.title()

    def to_graphql(self, row: Conveyance) -> Any:
        from plugins.suspects.types import conveyance_object

        return conveyance_object(row)

    def search_document(self, instance: Instance, row: Conveyance) -> SearchDocument:
        from plugins.suspects.search import conveyance_document

        return conveyance_document(row)

    def match_profile(self, row: Conveyance) -> Profile:
        return matching.conveyance_profile(row)


def _duplicate(row: Conveyance, **details: Any) -> ConflictError:
    return ConflictError(
        f"this {row.kind} is already recorded; link to it instead",
        field="identifier",
        code="DUPLICATE",
        **details,
    )


PERSON = PersonRecord()
CONVEYANCE = ConveyanceRecord()
