"""Write side of the seizures API: each mutation is one transaction through the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import InputError
from core.record_ids import record_id
from plugins.seizures import access, services
from plugins.seizures.inputs import SeizureInput
from plugins.seizures.models import Case
from plugins.seizures.types import Seizure


@strawberry.type
class DeletedSeizure:
    reference: str


def case_id(id: relay.GlobalID) -> int:
    number = record_id(id.node_id) if id.type_name == "Seizure" else None
    if number is None:
        raise InputError("not the id of a seizure", field="id")
    return number


async def _write(
    info: Info[Context, None], action: Callable[[AsyncSession], Awaitable[Case]]
) -> Seizure:
    async with info.context.instance.db.transaction() as session:
        case = await action(session)
        await session.flush()
        result = Seizure.from_case(case)
    return result


@strawberry.type
class SeizureMutation:
    @strawberry.mutation(
        description="Create a draft seizure (the simplified form is enough).",
        extensions=[requires(access.EDIT)],
    )
    async def create_seizure(self, info: Info[Context, None], input: SeizureInput) -> Seizure:
        context = info.context
        return await _write(
            info,
            lambda s: services.create(s, context.principal, input, context.instance.config.country),
        )

    @strawberry.mutation(
        description="Change a seizure; `version` is the one read. A validated seizure needs a "
        "`reason` and goes back to submitted.",
        extensions=[requires(access.EDIT)],
    )
    async def update_seizure(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        version: int,
        input: SeizureInput,
        reason: str | None = None,
    ) -> Seizure:
        principal = info.context.principal
        return await _write(
            info, lambda s: services.update(s, principal, case_id(id), version, input, reason)
        )

    @strawberry.mutation(
        description="Send a draft or returned seizure to the validators.",
        extensions=[requires(access.EDIT)],
    )
    async def submit_seizure(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Seizure:
        principal = info.context.principal
        return await _write(info, lambda s: services.submit(s, principal, case_id(id), version))

    @strawberry.mutation(
        description="Validate a submitted seizure entered by someone else.",
        extensions=[requires(access.VALIDATE)],
    )
    async def validate_seizure(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Seizure:
        principal = info.context.principal
        return await _write(info, lambda s: services.validate(s, principal, case_id(id), version))

    @strawberry.mutation(
        description="Return a submitted seizure to its author with a comment.",
        extensions=[requires(access.VALIDATE)],
    )
    async def return_seizure(
        self, info: Info[Context, None], id: relay.GlobalID, version: int, comment: str
    ) -> Seizure:
        principal = info.context.principal
        return await _write(
            info, lambda s: services.return_(s, principal, case_id(id), version, comment)
        )

    @strawberry.mutation(
        description="Delete a draft; its reference is never reused.",
        extensions=[requires(access.EDIT)],
    )
    async def delete_seizure(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> DeletedSeizure:
        principal = info.context.principal
        async with info.context.instance.db.transaction() as session:
            reference = await services.delete(session, principal, case_id(id), version)
        return DeletedSeizure(reference=reference)
