"""Domain rules of the suspects database: persons (create, update, workflow, delete, erase) and
means of conveyance (create, update, delete).

Each function runs inside the caller's write transaction and writes the record, its audit event
and its search outbox row together. Audit events carry field names and states, never content
(names, numbers, comments), so that erasure leaves nothing personal behind in the append-only log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from strawberry.relay import to_base64

from core.audit import writer as audit
from core.gql.context import Principal
from core.gql.errors import ConflictError, InputError, NotFoundError
from core.instance import instance_of
from core.links.models import Link
from core.search.events import enqueue_delete, enqueue_index
from core.workflow import check_version, require, user_id
from plugins.suspects import access, duplicates
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
from plugins.suspects.names import BirthDate, name_keys
from plugins.suspects.validation import (
    given,
    parse_birth,
    validate_conveyance,
    validate_person,
)

PERSON = access.PERSON
WORKFLOW = access.WORKFLOW
CHILD_LISTS = ("aliases", "nationalities", "documents", "addresses", "phones", "name_keys")


async def load_person(session: AsyncSession, person_id: int, *, lock: bool = True) -> Person:
    query = with_children(select(Person).where(Person.id == person_id)).options(
        selectinload(Person.name_keys)
    )
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=Person)
    person = await session.scalar(query)
    if person is None:
        raise NotFoundError("no such person", field="id")
    return person


def _snapshot(person: Person) -> dict[str, Any]:
    columns = {c.key: getattr(person, c.key) for c in Person.__table__.columns}
    for ignored in ("id", "version", "created_at", "updated_at", "status", "workflow_comment"):
        columns.pop(ignored, None)
    columns["aliases"] = [a.name for a in person.aliases]
    columns["nationalities"] = [n.country for n in person.nationalities]
    columns["documents"] = [
        (d.type, d.number, d.issuing_country, d.issue_date, d.expiry_date) for d in person.documents
    ]
    columns["addresses"] = [(a.line, a.city, a.postal_code, a.country) for a in person.addresses]
    columns["phones"] = [p.number for p in person.phones]
    return columns


_LIST_INPUTS = {
    "aliases": "aliases",
    "nationalities": "nationalities",
    "documents": "documents",
    "addresses": "addresses",
    "phones": "phones",
}


async def _clear_replaced_lists(session: AsyncSession, person: Person, data: PersonInput) -> None:
    """Delete the children a list input replaces (and the name keys, always rebuilt) before the
    new ones are inserted: positions are unique per person."""
    if person.id is None:
        return
    for attribute, name in _LIST_INPUTS.items():
        if given(getattr(data, name)):
            getattr(person, attribute).clear()
    person.name_keys.clear()
    await session.flush()


def _apply(person: Person, data: PersonInput) -> None:
    scalars = (
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
    for name in scalars:
        value = getattr(data, name)
        if given(value):
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
        person.aliases = [PersonAlias(position=i, name=n) for i, n in enumerate(data.aliases or [])]
    if given(data.nationalities):
        person.nationalities = [
            PersonNationality(position=i, country=c) for i, c in enumerate(data.nationalities or [])
        ]
    if given(data.documents):
        person.documents = [
            PersonDocument(
                position=i,
                type=d.type,
                number=d.number,
                issuing_country=d.issuing_country,
                issue_date=d.issue_date,
                expiry_date=d.expiry_date,
            )
            for i, d in enumerate(data.documents or [])
        ]
    if given(data.addresses):
        person.addresses = [
            PersonAddressRow(
                position=i, line=a.line, city=a.city, postal_code=a.postal_code, country=a.country
            )
            for i, a in enumerate(data.addresses or [])
            if any((a.line, a.city, a.postal_code, a.country))
        ]
    if given(data.phones):
        person.phones = [PersonPhone(position=i, number=n) for i, n in enumerate(data.phones or [])]
    person.name_keys = [
        PersonNameKey(key=k) for k in sorted(name_keys(duplicates.profile_of(person).variants))
    ]


async def _sync_photos(
    session: AsyncSession, principal: Principal, person_id: int, data: PersonInput
) -> bool:
    """Attach the caller's new uploads and remove the photos left out; True if any changed."""
    if not given(data.photos) or data.photos is None:
        return False
    wanted = [str(p) for p in data.photos]
    if len(set(wanted)) != len(wanted):
        raise InputError("a photo is listed twice", field="photos")
    attachments = instance_of(session).attachments
    current = {a.id for a in (await attachments.list_for(session, PERSON, [person_id]))[0]}
    for index, photo_id in enumerate(wanted):
        if photo_id not in current:
            await attachments.attach(
                session, photo_id, PERSON, person_id, principal, field=f"photos[{index}]"
            )
    removed = sorted(current - set(wanted))
    await attachments.remove(session, removed)
    return bool(removed) or any(photo_id not in current for photo_id in wanted)


def profile_of_input(data: PersonInput) -> duplicates.Profile:
    """The duplicate-check profile of an input not saved yet (`possiblePersonDuplicates`)."""
    parts = parse_birth(data.date_of_birth if given(data.date_of_birth) else None)

    def value(name: str) -> Any:
        item = getattr(data, name)
        return None if not given(item) else item

    return duplicates.Profile(
        variants=duplicates.variants_of(
            value("family_name"),
            value("given_names"),
            value("transliteration"),
            value("aliases") or [],
            value("original_script_name"),
        ),
        birth=BirthDate(parts.year, parts.month, parts.day),
        documents=tuple((d.number, d.issuing_country) for d in value("documents") or []),
    )


async def check_duplicates(
    session: AsyncSession, principal: Principal, data: PersonInput
) -> list[duplicates.Duplicate]:
    require(principal, access.EDIT, "possiblePersonDuplicates")
    await validate_person(session, data)
    return await duplicates.find(session, principal, profile_of_input(data))


async def create(
    session: AsyncSession, principal: Principal, data: PersonInput
) -> tuple[Person, list[duplicates.Duplicate]]:
    require(principal, access.EDIT, "createPerson")
    await validate_person(session, data)
    if not given(data.family_name) or not data.family_name:
        raise InputError("the family name is required", field="familyName", code="REQUIRED")
    if not given(data.category) or data.category is None:
        raise InputError("the category is required", field="category", code="REQUIRED")
    person = Person(status="draft", version=1)
    for name in CHILD_LISTS:
        setattr(person, name, [])
    if not given(data.review_date) or data.review_date is None:
        today = dt.date.today()
        years = instance_of(session).settings("suspects").review_years
        person.review_date = today.replace(year=today.year + years, day=min(today.day, 28))
    _apply(person, data)
    person.created_by = user_id(principal)
    session.add(person)
    await session.flush()
    photos = await _sync_photos(session, principal, person.id, data)
    filled = [k for k, v in _snapshot(person).items() if v not in (None, [], {})]
    await WORKFLOW.created(session, principal, person, filled + (["photos"] if photos else []))
    found = await duplicates.find(
        session, principal, duplicates.profile_of(person), exclude=person.id
    )
    return person, found


async def update(
    session: AsyncSession,
    principal: Principal,
    person_id: int,
    version: int,
    data: PersonInput,
    reason: str | None,
) -> tuple[Person, list[duplicates.Duplicate]]:
    require(principal, access.EDIT, "updatePerson")
    person = await load_person(session, person_id)
    WORKFLOW.require_visible(principal, person)
    WORKFLOW.check_version(person, version)
    WORKFLOW.check_editable(principal, person, reason)
    await validate_person(session, data)
    before = _snapshot(person)
    await _clear_replaced_lists(session, person, data)
    _apply(person, data)
    after = _snapshot(person)
    changed = [k for k in after if after[k] != before[k]]
    if await _sync_photos(session, principal, person.id, data):
        changed.append("photos")
    if not await WORKFLOW.updated(session, principal, person, changed, reason):
        await session.flush()
    found = await duplicates.find(
        session, principal, duplicates.profile_of(person), exclude=person.id
    )
    return person, found


async def submit(
    session: AsyncSession, principal: Principal, person_id: int, version: int
) -> Person:
    require(principal, access.EDIT, "submitPerson")
    person = await load_person(session, person_id)
    WORKFLOW.require_visible(principal, person)
    WORKFLOW.check_version(person, version)
    WORKFLOW.check_submittable(principal, person)
    await WORKFLOW.transition(session, principal, person, "submitted")
    return person


async def validate(
    session: AsyncSession, principal: Principal, person_id: int, version: int
) -> Person:
    require(principal, access.VALIDATE, "validatePerson")
    person = await load_person(session, person_id)
    WORKFLOW.check_version(person, version)
    WORKFLOW.check_validatable(principal, person)
    await WORKFLOW.transition(session, principal, person, "validated")
    return person


async def return_(
    session: AsyncSession, principal: Principal, person_id: int, version: int, comment: str
) -> Person:
    require(principal, access.VALIDATE, "returnPerson")
    person = await load_person(session, person_id)
    WORKFLOW.check_version(person, version)
    await WORKFLOW.transition(
        session, principal, person, "returned", WORKFLOW.check_returnable(person, comment)
    )
    return person


async def _remove(session: AsyncSession, person: Person) -> int:
    """Remove the person, its children (cascade) and every link touching it; count the links.

    Links are deleted directly: their audit trail (core's link.created events) already exists,
    and removing them one by one through core would copy their notes into new audit events."""
    person_id = str(person.id)
    touching = or_(
        and_(Link.src_type == PERSON, Link.src_id == person_id),
        and_(Link.dst_type == PERSON, Link.dst_id == person_id),
    )
    links = await session.scalar(select(func.count()).select_from(Link).where(touching)) or 0
    await session.execute(delete(Link).where(touching))
    await session.delete(person)
    await session.flush()
    enqueue_delete(session, PERSON, person.id, erase=True)
    return links


async def delete_person(
    session: AsyncSession, principal: Principal, person_id: int, version: int
) -> None:
    """A draft entered by mistake: removed entirely, like an erasure."""
    require(principal, access.EDIT, "deletePerson")
    person = await load_person(session, person_id)
    WORKFLOW.require_visible(principal, person)
    WORKFLOW.check_version(person, version)
    WORKFLOW.check_deletable(principal, person, hint="; erase other records")
    await instance_of(session).attachments.erase(session, PERSON, person.id)
    links = await _remove(session, person)
    await audit.record(
        session,
        actor=principal,
        action="record.delete",
        entity_type=PERSON,
        entity_id=person_id,
        detail={"links": links},
    )


async def erase(
    session: AsyncSession,
    principal: Principal,
    person_id: int,
    ground: str,
) -> None:
    """Real erasure: the record, its children, its links, its search document and its photos.
    What remains is one `record.erase` audit event naming the record id and the ground."""
    require(principal, access.ERASE, "erasePerson")
    person = await load_person(session, person_id)
    if ground == "retention_ended" and person.review_date > dt.date.today():
        raise ConflictError(
            "the retention period has not ended (review date not reached)", field="ground"
        )
    photos = await instance_of(session).attachments.erase(session, PERSON, person.id)
    links = await _remove(session, person)
    await audit.record(
        session,
        actor=principal,
        action="record.erase",
        entity_type=PERSON,
        entity_id=person_id,
        detail={"ground": ground, "links": links, "photos": photos},
    )


# --- conveyances ---------------------------------------------------------------------------

CONVEYANCE_FIELDS = (
    "plate",
    "make",
    "model",
    "vin",
    "name",
    "imo",
    "mmsi",
    "registration",
    "container_number",
    "country",
    "notes",
)


def _conveyance_key(row: Conveyance) -> str | None:
    """The identifier that makes a conveyance unique within its kind."""
    if row.kind == "vehicle":
        return f"{row.plate}:{row.country}" if row.plate and row.country else row.vin
    if row.kind == "vessel":
        return row.imo
    if row.kind == "aircraft":
        return registration_key(row.registration) if row.registration else None
    return row.container_number


def _require_identifier(row: Conveyance) -> None:
    missing = {
        "vehicle": ("plate", "a vehicle needs a plate (with its country) or a VIN"),
        "vessel": ("name", "a vessel needs a name or an IMO number"),
        "aircraft": ("registration", "an aircraft needs its registration"),
        "container": ("containerNumber", "a container needs its number"),
    }
    field, message = missing[row.kind]
    if row.kind == "vehicle" and row.plate and not row.country:
        raise InputError("a plate needs its country", field="country", code="REQUIRED")
    if row.kind == "vessel" and (row.name or row.imo):
        return
    if _conveyance_key(row) is None:
        raise InputError(message, field=field, code="REQUIRED")


async def _save_conveyance(session: AsyncSession, row: Conveyance) -> None:
    row.key = _conveyance_key(row)
    if row.key is not None:
        with session.no_autoflush:
            twin = await session.scalar(
                select(Conveyance.id).where(
                    Conveyance.kind == row.kind,
                    Conveyance.key == row.key,
                    Conveyance.id != (row.id or 0),
                )
            )
        if twin is not None:
            raise ConflictError(
                f"this {row.kind} is already recorded; link to it instead",
                field="identifier",
                code="DUPLICATE",
                existingId=to_base64(row.kind.title(), twin),
            )
    try:
        await session.flush()
    except IntegrityError:  # a concurrent twin committed first
        raise ConflictError(
            f"this {row.kind} is already recorded; link to it instead",
            field="identifier",
            code="DUPLICATE",
        ) from None


async def create_conveyance(
    session: AsyncSession, principal: Principal, data: MeansOfConveyanceInput
) -> Conveyance:
    require(principal, access.EDIT, "createConveyance")
    if not given(data.kind) or data.kind is None:
        raise InputError("the kind is required", field="kind", code="REQUIRED")
    kind = data.kind.value
    await validate_conveyance(session, kind, data)
    row = Conveyance(kind=kind, version=1, created_by=user_id(principal))
    for name in CONVEYANCE_FIELDS:
        value = getattr(data, name)
        if given(value):
            setattr(row, name, value)
    _require_identifier(row)
    session.add(row)
    await _save_conveyance(session, row)
    await audit.record(
        session,
        actor=principal,
        action="record.create",
        entity_type=kind.title(),
        entity_id=row.id,
        fields=sorted(n for n in CONVEYANCE_FIELDS if getattr(row, n) is not None),
    )
    enqueue_index(session, kind.title(), row.id)
    return row


async def _load_conveyance(session: AsyncSession, conveyance_id: int, kind: str) -> Conveyance:
    row = await session.get(Conveyance, conveyance_id)
    if row is None or row.kind != kind:
        raise NotFoundError(f"no such {kind}", field="id")
    return row


async def update_conveyance(
    session: AsyncSession,
    principal: Principal,
    kind: str,
    conveyance_id: int,
    version: int,
    data: MeansOfConveyanceInput,
) -> Conveyance:
    require(principal, access.EDIT, "updateConveyance")
    row = await _load_conveyance(session, conveyance_id, kind)
    check_version(row, version, kind)
    if given(data.kind) and data.kind is not None and data.kind.value != kind:
        raise InputError("the kind of a conveyance cannot change", field="kind")
    await validate_conveyance(session, kind, data)
    changed = []
    for name in CONVEYANCE_FIELDS:
        value = getattr(data, name)
        if given(value) and getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    if not changed:
        return row
    _require_identifier(row)
    row.version += 1
    await _save_conveyance(session, row)
    await audit.record(
        session,
        actor=principal,
        action="record.update",
        entity_type=kind.title(),
        entity_id=row.id,
        fields=changed,
        detail={"version": row.version},
    )
    enqueue_index(session, kind.title(), row.id)
    return row


async def delete_conveyance(
    session: AsyncSession, principal: Principal, kind: str, conveyance_id: int, version: int
) -> None:
    require(principal, access.EDIT, "deleteConveyance")
    row = await _load_conveyance(session, conveyance_id, kind)
    check_version(row, version, kind)
    entity_type = kind.title()
    touching = or_(
        and_(Link.src_type == entity_type, Link.src_id == str(row.id)),
        and_(Link.dst_type == entity_type, Link.dst_id == str(row.id)),
    )
    links = await session.scalar(select(func.count()).select_from(Link).where(touching)) or 0
    if links:
        raise ConflictError(
            f"this {kind} is linked to {links} record(s); remove the links first", field="id"
        )
    await session.delete(row)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="record.delete",
        entity_type=entity_type,
        entity_id=conveyance_id,
    )
    enqueue_delete(session, entity_type, conveyance_id)
