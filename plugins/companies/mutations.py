"""Write side of the companies API: each mutation is one transaction through the services.

`createCompany` and `updateCompany` return the company; ask for its `possibleDuplicates` in the
same response to see the existing companies it may duplicate.
"""

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
from plugins.companies import access, services
from plugins.companies.inputs import CompanyInput
from plugins.companies.models import Company as CompanyRow
from plugins.companies.types import Company


@strawberry.type
class DeletedCompany:
    id: relay.GlobalID


def company_id(id: relay.GlobalID) -> int:
    number = record_id(id.node_id) if id.type_name == "Company" else None
    if number is None:
        raise InputError("not the id of a company", field="id")
    return number


async def _write(
    info: Info[Context, None], action: Callable[[AsyncSession], Awaitable[CompanyRow]]
) -> Company:
    async with info.context.instance.db.transaction() as session:
        row = await action(session)
        await session.flush()
        result = Company.from_row(row)
    return result


@strawberry.type
class CompanyMutation:
    @strawberry.mutation(
        description="Create a draft company (legal name and country of registration are enough).",
        extensions=[requires(access.EDIT)],
    )
    async def create_company(self, info: Info[Context, None], input: CompanyInput) -> Company:
        principal = info.context.principal
        return await _write(info, lambda s: services.create(s, principal, input))

    @strawberry.mutation(
        description="Change a company; `version` is the one read. A validated company needs a "
        "`reason` and goes back to submitted.",
        extensions=[requires(access.EDIT)],
    )
    async def update_company(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        version: int,
        input: CompanyInput,
        reason: str | None = None,
    ) -> Company:
        principal = info.context.principal
        return await _write(
            info, lambda s: services.update(s, principal, company_id(id), version, input, reason)
        )

    @strawberry.mutation(
        description="Send a draft or returned company to the validators.",
        extensions=[requires(access.EDIT)],
    )
    async def submit_company(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Company:
        principal = info.context.principal
        return await _write(info, lambda s: services.submit(s, principal, company_id(id), version))

    @strawberry.mutation(
        description="Validate a submitted company entered by someone else.",
        extensions=[requires(access.VALIDATE)],
    )
    async def validate_company(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Company:
        principal = info.context.principal
        return await _write(
            info, lambda s: services.validate(s, principal, company_id(id), version)
        )

    @strawberry.mutation(
        description="Return a submitted company to its author with a comment.",
        extensions=[requires(access.VALIDATE)],
    )
    async def return_company(
        self, info: Info[Context, None], id: relay.GlobalID, version: int, comment: str
    ) -> Company:
        principal = info.context.principal
        return await _write(
            info, lambda s: services.return_(s, principal, company_id(id), version, comment)
        )

    @strawberry.mutation(description="Delete a draft company.", extensions=[requires(access.EDIT)])
    async def delete_company(
        self, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> DeletedCompany:
        principal = info.context.principal
        async with info.context.instance.db.transaction() as session:
            await services.delete(session, principal, company_id(id), version)
        return DeletedCompany(id=id)
