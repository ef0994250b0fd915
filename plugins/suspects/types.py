"""GraphQL types of the suspects module: `Person` and the means of conveyance (`Vehicle`,
`Vessel`, `Aircraft`, `Container`), each an `Entity` (so `node`, links and search reach them).

Every path that serves a person goes through `Person.resolve_nodes` or `serve_persons`, which
drop what the caller may not see and note every person served for the request's `record.view`
audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.attachments.gql import Photo, load_photos
from core.audit.consultation import note_consultations
from core.gql.context import Context
from core.gql.selection import operation_fields
from core.record_ids import record_id
from core.records import Record
from plugins.suspects import access, loaders
from plugins.suspects.models import Conveyance
from plugins.suspects.models import Person as PersonRow


@strawberry.enum(description="Where a person record is in the validation workflow.")
class PersonStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


@strawberry.enum(
    description="Data-protection categories, kept apart: a record belongs to exactly one."
)
class PersonCategory(Enum):
    SUSPECT = "suspect"
    OFFENDER = "offender"
    CONVICTED = "convicted"
    WITNESS = "witness"
    VICTIM = "victim"


@strawberry.enum(description="The kinds of means of conveyance.")
class ConveyanceKind(Enum):
    VEHICLE = "vehicle"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    CONTAINER = "container"


@strawberry.enum(description="Why a person record is erased.")
class ErasureGround(Enum):
    RETENTION_ENDED = "retention_ended"
    UNLAWFUL_PROCESSING = "unlawful_processing"
    DATA_SUBJECT_REQUEST = "data_subject_request"
    COURT_ORDER = "court_order"


@strawberry.type
class IdentityDocument:
    type: str
    number: str = strawberry.field(description="Normalised: upper case, no separators.")
    issuing_country: str
    issue_date: dt.date | None
    expiry_date: dt.date | None


@strawberry.type
class PersonAddress:
    line: str | None
    city: str | None
    postal_code: str | None
    country: str | None


def format_birth(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is None:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


@strawberry.type(description="A person of interest. Every read is audited per record.")
class Person(Record):
    owner_module: ClassVar[str] = "suspects"

    id: relay.NodeID[int]
    status: PersonStatus
    version: int = strawberry.field(description="Send it back with an update; stale ones fail.")
    category: PersonCategory
    family_name: str
    given_names: str | None
    original_script_name: str | None
    transliteration: str | None
    aliases: list[str]
    date_of_birth: str | None = strawberry.field(
        description="Full or partial: `1984`, `1984-03` or `1984-03-02`."
    )
    birth_place: str | None
    birth_country: str | None
    gender: str | None
    nationalities: list[str]
    documents: list[IdentityDocument]
    addresses: list[PersonAddress]
    phones: list[str]
    email: str | None
    occupation: str | None
    assessment: str | None = strawberry.field(
        description="An officer's assessment, kept apart from the facts above."
    )
    review_date: dt.date
    review_due: bool = strawberry.field(
        description="The review date has passed: review the record, or erase it."
    )
    workflow_comment: str | None = strawberry.field(
        description="The last return comment, or the reason given for editing a validated record."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    validated_at: dt.datetime | None

    @strawberry.field(description="Face photos (files served over HTTP to who may see the person).")
    async def photos(self, info: Info[Context, None]) -> list[Photo]:
        return await load_photos(info, access.PERSON, self.id)

    @strawberry.field(
        description="Persons the caller may see who may be the same (same identity document, or "
        "a similar name with a compatible date of birth), most likely first: link to one of "
        "them rather than keeping a twin."
    )
    async def possible_duplicates(
        self, info: Info[Context, None]
    ) -> list[Annotated[PossiblePersonDuplicate, strawberry.lazy("plugins.suspects.types")]]:
        from plugins.suspects.duplicates import find, profile_of

        context = info.context
        row = await loaders.persons(context).load(self.id)
        if row is None:
            return []
        async with context.instance.db.session() as session:
            found = await find(session, context.principal, profile_of(row), exclude=row.id)
        return await serve_duplicates(context, found)

    @classmethod
    def from_row(cls, row: PersonRow) -> Person:
        return cls(
            id=row.id,
            status=PersonStatus(row.status),
            version=row.version,
            category=PersonCategory(row.category),
            family_name=row.family_name,
            given_names=row.given_names,
            original_script_name=row.original_script_name,
            transliteration=row.transliteration,
            aliases=[a.name for a in row.aliases],
            date_of_birth=format_birth(row.birth_year, row.birth_month, row.birth_day),
            birth_place=row.birth_place,
            birth_country=row.birth_country,
            gender=row.gender,
            nationalities=[n.country for n in row.nationalities],
            documents=[
                IdentityDocument(
                    type=d.type,
                    number=d.number,
                    issuing_country=d.issuing_country,
                    issue_date=d.issue_date,
                    expiry_date=d.expiry_date,
                )
                for d in row.documents
            ],
            addresses=[
                PersonAddress(
                    line=a.line, city=a.city, postal_code=a.postal_code, country=a.country
                )
                for a in row.addresses
            ],
            phones=[p.number for p in row.phones],
            email=row.email,
            occupation=row.occupation,
            assessment=row.assessment,
            review_date=row.review_date,
            review_due=row.review_date <= dt.date.today(),
            workflow_comment=row.workflow_comment,
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            validated_at=row.validated_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Person | None]:
        """`node`, links and search hits: invisible persons are null; served ones audited."""
        ids = [record_id(i) or 0 for i in node_ids]
        if not info.context.can(access.VIEW):
            return [None] * len(ids)
        operation_fields(info)  # the loader reads what the operation can serve
        rows = await loaders.persons(info.context).load_many(ids)
        return await serve_persons(info.context, rows)


async def serve_persons(context: Context, rows: Sequence[PersonRow | None]) -> list[Person | None]:
    """The GraphQL objects of the rows the caller may see (None for others); each one served is
    a consultation, written by core's consultation audit before the answer leaves."""
    principal = context.principal
    visible = [row if row is not None and access.can_see(principal, row) else None for row in rows]
    note_consultations(context, access.PERSON, [row.id for row in visible if row is not None])
    return [Person.from_row(row) if row is not None else None for row in visible]


async def serve_duplicates(context: Context, found: list) -> list[PossiblePersonDuplicate]:
    served = await serve_persons(context, [d.person for d in found])
    return [
        PossiblePersonDuplicate(person=person, score=d.score, reasons=list(d.reasons))
        for d, person in zip(found, served, strict=True)
        if person is not None
    ]


@strawberry.type(description="An existing person who may be the same as the one entered.")
class PossiblePersonDuplicate:
    person: Person
    score: float = strawberry.field(description="0-100; 100 for the same identity document.")
    reasons: list[str] = strawberry.field(description="`document`, `name`.")


@strawberry.interface(description="What every means of conveyance has.")
class MeansOfConveyance(relay.Node):
    kind: ConveyanceKind
    version: int
    identifier: str | None = strawberry.field(
        description="The normalised identifier: plate, IMO (or name), registration, number."
    )
    country: str | None = strawberry.field(description="Registration country or flag.")
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class _ConveyanceNodes:
    """Shared node resolution of the four conveyance types (one query per type and request);
    a plain mixin listed before `Record`, so its `resolve_nodes` wins."""

    owner_module: ClassVar[str] = "suspects"
    kind_value: ClassVar[str] = ""

    @classmethod
    def from_conveyance(cls, row: Conveyance) -> MeansOfConveyance:
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[MeansOfConveyance | None]:
        ids = [record_id(i) or 0 for i in node_ids]
        if not info.context.can(access.VIEW):
            return [None] * len(ids)
        rows = await loaders.conveyances(info.context).load_many(ids)
        return [
            cls.from_conveyance(row) if row is not None and row.kind == cls.kind_value else None
            for row in rows
        ]


def _common(row: Conveyance) -> dict[str, object]:
    return {
        "id": row.id,
        "kind": ConveyanceKind(row.kind),
        "version": row.version,
        "identifier": row.key,
        "country": row.country,
        "notes": row.notes,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@strawberry.type(description="A road vehicle.")
class Vehicle(_ConveyanceNodes, Record, MeansOfConveyance):
    kind_value: ClassVar[str] = "vehicle"

    id: relay.NodeID[int]
    plate: str | None
    make: str | None
    model: str | None
    vin: str | None

    @classmethod
    def from_conveyance(cls, row: Conveyance) -> Vehicle:
        return cls(plate=row.plate, make=row.make, model=row.model, vin=row.vin, **_common(row))


@strawberry.type(description="A vessel; `country` is its flag.")
class Vessel(_ConveyanceNodes, Record, MeansOfConveyance):
    kind_value: ClassVar[str] = "vessel"

    id: relay.NodeID[int]
    name: str | None
    imo: str | None
    mmsi: str | None

    @classmethod
    def from_conveyance(cls, row: Conveyance) -> Vessel:
        return cls(name=row.name, imo=row.imo, mmsi=row.mmsi, **_common(row))


@strawberry.type(description="An aircraft.")
class Aircraft(_ConveyanceNodes, Record, MeansOfConveyance):
    kind_value: ClassVar[str] = "aircraft"

    id: relay.NodeID[int]
    registration: str | None

    @classmethod
    def from_conveyance(cls, row: Conveyance) -> Aircraft:
        return cls(registration=row.registration, **_common(row))


@strawberry.type(description="A freight container (ISO 6346).")
class Container(_ConveyanceNodes, Record, MeansOfConveyance):
    kind_value: ClassVar[str] = "container"

    id: relay.NodeID[int]
    number: str | None

    @classmethod
    def from_conveyance(cls, row: Conveyance) -> Container:
        return cls(number=row.container_number, **_common(row))


CONVEYANCE_TYPES: dict[str, type[_ConveyanceNodes]] = {
    "vehicle": Vehicle,
    "vessel": Vessel,
    "aircraft": Aircraft,
    "container": Container,
}


def conveyance_object(row: Conveyance) -> MeansOfConveyance:
    return CONVEYANCE_TYPES[row.kind].from_conveyance(row)
