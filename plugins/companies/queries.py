"""Read side of the companies API: `companies(filter, first, after)` and `company(id)`."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from sqlalchemy import Select, and_, exists, func, or_, select
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.connection import Connection, build_connection, cursor_key, page_after
from core.gql.context import Context
from core.gql.errors import InputError, PermissionDeniedError
from core.gql.pagination import clamp_first
from core.gql.selection import needed, operation_fields, selection
from core.record_ids import record_id
from core.workflow import user_id
from plugins.companies import access, loaders
from plugins.companies.identifiers import compact, name_key
from plugins.companies.models import Company as CompanyRow
from plugins.companies.models import CompanyTradeName, RegistrationId, TradedChapter, TradeRole
from plugins.companies.types import Company, CompanyStatus, visible_company


@strawberry.input(description="All given conditions must hold.")
class CompanyFilter:
    status: list[CompanyStatus] | None = None
    country: list[str] | None = strawberry.field(
        default=None, description="Country of registration."
    )
    roles: list[str] | None = strawberry.field(default=None, description="Any of these roles.")
    legal_status: list[str] | None = None
    aeo_status: list[str] | None = None
    hs_chapter: list[str] | None = strawberry.field(
        default=None, description="Trades in any of these HS chapters."
    )
    identifier: str | None = strawberry.field(
        default=None,
        description="A registration identifier of any scheme, exact (spaces and dots ignored).",
    )
    name: str | None = strawberry.field(
        default=None,
        description="Part of the legal or a trade name (case, accents and legal-form words "
        "ignored). For typo-tolerant search use `search`.",
    )


def apply_filter(query: Select, given: CompanyFilter | None) -> Select:
    if given is None:
        return query
    conditions = []
    if given.status:
        conditions.append(CompanyRow.status.in_([s.value for s in given.status]))
    if given.country:
        conditions.append(CompanyRow.country.in_([c.strip().upper() for c in given.country]))
    if given.legal_status:
        conditions.append(CompanyRow.legal_status.in_(given.legal_status))
    if given.aeo_status:
        conditions.append(CompanyRow.aeo_status.in_(given.aeo_status))
    if given.roles:
        conditions.append(
            exists().where(TradeRole.company_id == CompanyRow.id, TradeRole.code.in_(given.roles))
        )
    if given.hs_chapter:
        conditions.append(
            exists().where(
                TradedChapter.company_id == CompanyRow.id,
                TradedChapter.chapter.in_(given.hs_chapter),
            )
        )
    if given.identifier and given.identifier.strip():
        value = compact(given.identifier)
        conditions.append(
            exists().where(
                RegistrationId.company_id == CompanyRow.id, RegistrationId.value == value
            )
        )
    if given.name and given.name.strip():
        key = name_key(given.name)
        if len(key) > 200:
            raise InputError("at most 200 characters", field="filter.name")
        pattern = f"%{key}%"
        conditions.append(
            or_(
                CompanyRow.name_key.like(pattern),
                exists().where(
                    CompanyTradeName.company_id == CompanyRow.id,
                    CompanyTradeName.name_key.like(pattern),
                ),
            )
        )
    return query.where(and_(*conditions)) if conditions else query


@functools.lru_cache(maxsize=128)
def _first_page(
    validator: bool, size: int, columns: tuple[str, ...] | None
) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """(base, first page, count) for a caller who validates (sees every company) or not
    (drafts only their own: `viewer`), reading `columns`."""
    base = loaders.PAGE.select(columns).where(
        access.WORKFLOW.visible_to_viewer(CompanyRow, validator)
    )
    return (
        base,
        page_after(base, (CompanyRow.id,), None, size),
        select(func.count()).select_from(base.subquery()),
    )


@strawberry.type
class CompanyQuery:
    @strawberry.field(
        description="Companies the caller may see, most recently created first.",
        extensions=[requires(access.VIEW)],
    )
    async def companies(
        self,
        info: Info[Context, None],
        filter: CompanyFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[Company]:
        context = info.context
        if not context.can(access.VIEW):
            raise PermissionDeniedError("companies.view is required", field="companies")
        size = clamp_first(first, context.instance.config.graphql)
        key = cursor_key(after, int)
        tree = selection(info)
        node = tree.at("edges", "node")
        wanted = needed(node, loaders.FIELD_CHILDREN)
        columns = loaders.PAGE.columns(node)
        viewer = user_id(context.principal)
        params: dict[str, object] = {}
        if filter is None and key is None and viewer is not None:
            # The first page without a filter, the most common request: statements built once.
            base, page, count = _first_page(context.principal.can(access.VALIDATE), size, columns)
            params["viewer"] = viewer
        else:
            base = apply_filter(
                loaders.PAGE.select(columns).where(access.visible_filter(context.principal)),
                filter,
            )
            page = page_after(base, (CompanyRow.id,), key, size)
            count = select(func.count()).select_from(base.subquery())
        total = 0
        async with context.instance.db.reading() as connection:
            rows = await loaders.PAGE.read(connection, page, wanted, params)
            if tree.has("totalCount"):
                total = await connection.scalar(count, params) or 0
        if loaders.PAGE.complete(columns, wanted):  # rows read in part answer nothing else
            loader = loaders.companies(context)
            for row in rows:
                loader.prime(row.id, row)
        nodes = [Company.from_row(row) for row in rows]
        return build_connection(
            nodes, [(row.id,) for row in rows], size, total, cursors=tree.at("edges").has("cursor")
        )

    @strawberry.field(
        description="One company by global id; null if not visible.",
        extensions=[requires(access.VIEW)],
    )
    async def company(self, info: Info[Context, None], id: relay.GlobalID) -> Company | None:
        context = info.context
        if not context.can(access.VIEW):
            raise PermissionDeniedError("companies.view is required", field="company")
        number = record_id(id.node_id) if id.type_name == "Company" else None
        if number is None:
            return None
        operation_fields(info)  # the loader reads what the operation can serve
        row = await loaders.companies(context).load(number)
        return visible_company(row, context.principal)
