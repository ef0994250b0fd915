"""Write side of the suspects API: each mutation is one transaction through the services."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import InputError
from core.record_ids import record_id
from plugins.suspects import access, services
from plugins.suspects.inputs import MeansOfConveyanceInput, PersonInput
from plugins.suspects.queries import serve_duplicates
from plugins.suspects.types import (
    CONVEYANCE_TYPES,
    ErasureGround,
    MeansOfConveyance,
    Person,
    PersonPayload,
    conveyance_object,
)


def person_id(id: relay.GlobalID) -> int:
    number = record_id(id.node_id) if id.type_name == "Person" else None
    if number is None:
        raise InputError("not the id of a person", field="id")
    return number


def conveyance_ref(id: relay.GlobalID) -> tuple[str, int]:
    kind = id.type_name.lower()
    number = record_id(id.node_id) if kind in CONVEYANCE_TYPES else None
    if number is None:
        raise InputError("not the id of a vehicle, vessel, aircraft or container", field="id")
    return kind, number


@strawberry.type
class SuspectsMutation:
    @strawberry.mutation(
        description="Create a draft person; the answer lists existing persons that may be the "
        "same (link to one of them rather than keeping a twin).",
        extensions=[requires(access.EDIT)],
    )
    async def create_person(self, info: Info[Context, None], input: PersonInput) -> PersonPayload:
        context = info.context
        async with context.instance.db.transaction() as session:
            row, found = await services.create(session, context.principal, input)
            person = Person.from_row(row)
        return PersonPayload(
            person=person, possible_duplicates=await serve_duplicates(context, found)
        )

    @strawberry.mutation(
        description="Change a person; `version` is the one read. A validated person needs a "
        "`reason` and goes back to submitted.",
        extensions=[requires(access.EDIT)],
    )
    async def update_person(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        version: int,
        input: PersonInput,
        reason: str | None = None,
    ) -> PersonPayload:
        context = info.context
        async with context.instance.db.transaction() as session:
            row, found = await services.update(
                session, context.principal, person_id(id), version, input, reason
            )
            person = Person.from_row(row)
        return PersonPayload(
            person=person, possible_duplicates=await serve_duplicates(context, found)
        )

    @strawberry.mutation(
        description="Send a draft or returned person to the validators.",
        extensions=[requires(access.EDIT)],
    )
    async def submit_person(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Person:
        principal = info.context.principal
        async with info.context.instance.db.transaction() as session:
            row = await services.submit(session, principal, person_id(id), version)
            return Person.from_row(row)

    @strawberry.mutation(
        description="Validate a submitted person entered by someone else.",
        extensions=[requires(access.VALIDATE)],
    )
    async def validate_person(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Person:
        principal = info.context.principal
        async with info.context.instance.db.transaction() as session:
            row = await services.validate(session, principal, person_id(id), version)
            return Person.from_row(row)

    @strawberry.mutation(
        description="Return a submitted person to its author with a comment (kept on the record, "
        "not in the audit log).",
        extensions=[requires(access.VALIDATE)],
    )
    async def return_person(
        self, info: Info[Context, None], id: relay.GlobalID, version: int, comment: str
    ) -> Person:
        principal = info.context.principal
        async with info.context.instance.db.transaction() as session:
            row = await services.return_(session, principal, person_id(id), version, comment)
            return Person.from_row(row)

    @strawberry.mutation(
        description="Delete a draft person entered by mistake (removed entirely, with its links).",
        extensions=[requires(access.EDIT)],
    )
    async def delete_person(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> bool:
        async with info.context.instance.db.transaction() as session:
            await services.delete_person(session, info.context.principal, person_id(id), version)
        return True

    @strawberry.mutation(
        description="Erase a person for good: record, links, search document and photos. Only "
        "an audit event without content remains. `RETENTION_ENDED` needs the review date passed.",
        extensions=[requires(access.ERASE)],
    )
    async def erase_person(
        self, info: Info[Context, None], id: relay.GlobalID, ground: ErasureGround
    ) -> bool:
        async with info.context.instance.db.transaction() as session:
            await services.erase(session, info.context.principal, person_id(id), ground.value)
        return True

    @strawberry.mutation(
        description="Record a vehicle, vessel, aircraft or container. An identifier already "
        "recorded is refused with DUPLICATE and `existingId`: link to that record instead.",
        extensions=[requires(access.EDIT)],
    )
    async def create_conveyance(
        self, info: Info[Context, None], input: MeansOfConveyanceInput
    ) -> MeansOfConveyance:
        async with info.context.instance.db.transaction() as session:
            row = await services.create_conveyance(session, info.context.principal, input)
            return conveyance_object(row)

    @strawberry.mutation(
        description="Change a conveyance; `version` is the one read.",
        extensions=[requires(access.EDIT)],
    )
    async def update_conveyance(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        version: int,
        input: MeansOfConveyanceInput,
    ) -> MeansOfConveyance:
        kind, row_id = conveyance_ref(id)
        async with info.context.instance.db.transaction() as session:
            row = await services.update_conveyance(
                session, info.context.principal, kind, row_id, version, input
            )
            return conveyance_object(row)

    @strawberry.mutation(
        description="Delete a conveyance that no record is linked to.",
        extensions=[requires(access.EDIT)],
    )
    async def delete_conveyance(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> bool:
        kind, row_id = conveyance_ref(id)
        async with info.context.instance.db.transaction() as session:
            await services.delete_conveyance(session, info.context.principal, kind, row_id, version)
        return True
