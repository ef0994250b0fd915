"""Read side of the suspects API: `persons`, `person`, `conveyances`, `possiblePersonDuplicates`.

Every person served is audited (the request's `record.view` event names every person served,
with the `Ncen-Purpose` the client sends) before the answer leaves, through `types.serve_persons`.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import Select, and_, exists, func, or_, select
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.connection import Connection, build_connection, cursor_key, page_after
from core.gql.context import Context
from core.gql.errors import InputError, PermissionDeniedError
from core.gql.pagination import clamp_first
from core.gql.selection import leave_empty, needed, operation_fields, selection
from core.record_ids import record_id
from plugins.suspects import access, duplicates, loaders
from plugins.suspects.identifiers import normalise_document_number
from plugins.suspects.inputs import PersonInput
from plugins.suspects.models import (
    Conveyance,
    Person,
    PersonAlias,
    PersonDocument,
    PersonNationality,
)
from plugins.suspects.types import (
    ConveyanceKind,
    MeansOfConveyance,
    PersonCategory,
    PersonStatus,
    PossiblePersonDuplicate,
    conveyance_object,
    serve_duplicates,
    serve_persons,
)
from plugins.suspects.types import (
    Person as PersonType,
)
from plugins.suspects.validation import validate_person


@strawberry.input(description="All given conditions must hold.")
class PersonFilter:
    status: list[PersonStatus] | None = None
    category: list[PersonCategory] | None = None
    nationality: list[str] | None = None
    document_number: str | None = strawberry.field(
        default=None, description="Exact, compared without case, spaces or separators."
    )
    review_due: bool | None = strawberry.field(
        default=None, description="true: review date passed; false: not yet."
    )
    name: str | None = strawberry.field(
        default=None, description="Substring of family or given names, transliteration or alias."
    )


def apply_filter(query: Select, given: PersonFilter | None) -> Select:
    if given is None:
        return query
    conditions = []
    if given.status:
        conditions.append(Person.status.in_([s.value for s in given.status]))
    if given.category:
        conditions.append(Person.category.in_([c.value for c in given.category]))
    if given.nationality:
        countries = [c.strip().upper() for c in given.nationality]
        conditions.append(
            exists().where(
                PersonNationality.person_id == Person.id, PersonNationality.country.in_(countries)
            )
        )
    if given.document_number:
        try:
            number = normalise_document_number(given.document_number)
        except ValueError as exc:
            raise InputError(str(exc), field="filter.documentNumber") from None
        conditions.append(
            exists().where(PersonDocument.person_id == Person.id, PersonDocument.number == number)
        )
    if given.review_due is not None:
        today = dt.date.today()
        conditions.append(
            Person.review_date <= today if given.review_due else Person.review_date > today
        )
    if given.name and given.name.strip():
        pattern = f"%{given.name.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(Person.family_name).like(pattern),
                func.lower(Person.given_names).like(pattern),
                func.lower(Person.transliteration).like(pattern),
                exists().where(
                    PersonAlias.person_id == Person.id, func.lower(PersonAlias.name).like(pattern)
                ),
            )
        )
    return query.where(and_(*conditions)) if conditions else query


@strawberry.input(description="All given conditions must hold.")
class MeansOfConveyanceFilter:
    kind: list[ConveyanceKind] | None = None
    identifier: str | None = strawberry.field(
        default=None,
        description="Plate, VIN, IMO, MMSI, registration or container number, however typed.",
    )
    country: list[str] | None = None


def _identifier_forms(text: str) -> set[str]:
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    return {compact, text.strip().upper()}


def _apply_conveyance(query: Select, given: MeansOfConveyanceFilter | None) -> Select:
    if given is None:
        return query
    conditions = []
    if given.kind:
        conditions.append(Conveyance.kind.in_([k.value for k in given.kind]))
    if given.country:
        conditions.append(Conveyance.country.in_([c.strip().upper() for c in given.country]))
    if given.identifier and given.identifier.strip():
        forms = sorted(_identifier_forms(given.identifier))
        imo = [f.removeprefix("IMO") for f in forms]
        conditions.append(
            or_(
                Conveyance.plate.in_(forms),
                Conveyance.vin.in_(forms),
                Conveyance.imo.in_(imo),
                Conveyance.mmsi.in_(forms),
                func.replace(Conveyance.registration, "-", "").in_(forms),
                Conveyance.container_number.in_(forms),
            )
        )
    return query.where(and_(*conditions)) if conditions else query


def _require_view(context: Context, field: str) -> None:
    if not context.can(access.VIEW):
        raise PermissionDeniedError(f"{access.VIEW} is required", field=field)


@strawberry.type
class SuspectsQuery:
    @strawberry.field(
        description="Persons the caller may see, newest first. Each person served is audited.",
        extensions=[requires(access.VIEW)],
    )
    async def persons(
        self,
        info: Info[Context, None],
        filter: PersonFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[PersonType]:
        context = info.context
        _require_view(context, "persons")
        size = clamp_first(first, context.instance.config.graphql)
        key = cursor_key(after, int)
        base = apply_filter(select(Person).where(access.visible_filter(context.principal)), filter)
        page = page_after(base, (Person.id,), key, size)
        tree = selection(info)
        wanted = needed(tree.at("edges", "node"), loaders.FIELD_CHILDREN)
        total = 0
        async with context.instance.db.session() as session:
            rows = (await session.scalars(loaders.with_children(page, wanted))).all()
            leave_empty(rows, loaders.RELATIONS, wanted)
            if tree.has("totalCount"):
                total = await session.scalar(select(func.count()).select_from(base.subquery()))
        if wanted == frozenset(loaders.RELATIONS):  # rows read in part answer nothing else
            person_loader = loaders.persons(context)
            for row in rows:
                person_loader.prime(row.id, row)
        served = await serve_persons(context, rows[:size])
        nodes: list = [p for p in served if p is not None]
        if len(rows) > size:
            nodes.append(None)  # never served: only tells build_connection a next page exists
        return build_connection(nodes, [(row.id,) for row in rows[:size]], size, total or 0)

    @strawberry.field(
        description="One person by global id; null if not visible. Audited when served.",
        extensions=[requires(access.VIEW)],
    )
    async def person(self, info: Info[Context, None], id: relay.GlobalID) -> PersonType | None:
        context = info.context
        _require_view(context, "person")
        number = record_id(id.node_id) if id.type_name == "Person" else None
        if number is None:
            return None
        operation_fields(info)  # the loader reads what the operation can serve
        row = await loaders.persons(context).load(number)
        return (await serve_persons(context, [row]))[0]

    @strawberry.field(
        description="Vehicles, vessels, aircraft and containers, newest first.",
        extensions=[requires(access.VIEW)],
    )
    async def conveyances(
        self,
        info: Info[Context, None],
        filter: MeansOfConveyanceFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[MeansOfConveyance]:
        context = info.context
        _require_view(context, "conveyances")
        size = clamp_first(first, context.instance.config.graphql)
        key = cursor_key(after, int)
        base = _apply_conveyance(select(Conveyance), filter)
        page = page_after(base, (Conveyance.id,), key, size)
        total = 0
        async with context.instance.db.session() as session:
            rows = (await session.scalars(page)).all()
            if selection(info).has("totalCount"):
                total = await session.scalar(select(func.count()).select_from(base.subquery()))
        nodes = [conveyance_object(row) for row in rows]
        return build_connection(nodes, [(row.id,) for row in rows], size, total or 0)

    @strawberry.field(
        description="Existing persons that may be the same as this input, before creating it.",
        extensions=[requires(access.EDIT)],
    )
    async def possible_person_duplicates(
        self, info: Info[Context, None], input: PersonInput
    ) -> list[PossiblePersonDuplicate]:
        context = info.context
        async with context.instance.db.session() as session:
            await validate_person(session, input)
            found = await duplicates.find(
                session, context.principal, duplicates.profile_of_input(input)
            )
        return await serve_duplicates(context, found)
