"""Read side of the seizures API: `seizures(filter, first, after)` and `seizure(id)`."""

from __future__ import annotations

import datetime as dt
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
from core.gql.selection import selection
from core.record_ids import record_id
from core.workflow import user_id
from plugins.seizures import access, loaders
from plugins.seizures.models import Case, GoodsLine, RouteLeg
from plugins.seizures.types import Seizure, SeizureStatus, visible_seizure


@strawberry.input(description="All given conditions must hold.")
class SeizureFilter:
    status: list[SeizureStatus] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area: list[str] | None = None
    commodity: list[str] | None = None
    country: list[str] | None = strawberry.field(
        default=None, description="Place of seizure or any route leg."
    )
    detection_method: list[str] | None = None
    transport_mode: list[str] | None = None
    text: str | None = strawberry.field(
        default=None, description="Substring of reference, place, goods, conveyance, narrative."
    )


def apply_filter(query: Select, given: SeizureFilter | None) -> Select:
    if given is None:
        return query
    conditions = []
    if given.status:
        conditions.append(Case.status.in_([s.value for s in given.status]))
    if given.date_from and given.date_to and given.date_from > given.date_to:
        raise InputError("dateFrom is after dateTo", field="filter.dateFrom")
    if given.date_from:
        conditions.append(Case.seizure_date >= given.date_from)
    if given.date_to:
        conditions.append(Case.seizure_date <= given.date_to)
    if given.area:
        conditions.append(Case.area.in_(given.area))
    if given.detection_method:
        conditions.append(Case.detection_method.in_(given.detection_method))
    if given.transport_mode:
        conditions.append(Case.transport_mode.in_(given.transport_mode))
    if given.commodity:
        conditions.append(
            exists().where(GoodsLine.case_id == Case.id, GoodsLine.commodity.in_(given.commodity))
        )
    if given.country:
        countries = [c.upper() for c in given.country]
        conditions.append(
            or_(
                Case.place_country.in_(countries),
                exists().where(RouteLeg.case_id == Case.id, RouteLeg.country.in_(countries)),
            )
        )
    if given.text and given.text.strip():
        pattern = f"%{given.text.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(Case.reference).like(pattern),
                func.lower(Case.place_name).like(pattern),
                func.lower(Case.conveyance_identifier).like(pattern),
                func.lower(Case.narrative).like(pattern),
                exists().where(
                    GoodsLine.case_id == Case.id,
                    or_(
                        func.lower(GoodsLine.description).like(pattern),
                        func.lower(GoodsLine.brand).like(pattern),
                    ),
                ),
            )
        )
    return query.where(and_(*conditions)) if conditions else query


@functools.lru_cache(maxsize=128)
def _first_page(
    validator: bool, size: int, columns: tuple[str, ...] | None
) -> tuple[Select[Any], Select[Any]]:
    """(base, first page) for a caller who validates (sees every case) or not (drafts only
    their own: `viewer`), as `access.visible_filter` builds them, reading `columns`: building
    and keying a statement costs more than running it."""
    base = loaders.page_query(columns).where(access.WORKFLOW.visible_to_viewer(Case, validator))
    return base, page_after(base, (Case.seizure_date, Case.id), None, size)


@strawberry.type
class SeizureQuery:
    @strawberry.field(
        description="Seizures the caller may see, newest seizure date first.",
        extensions=[requires(access.VIEW)],
    )
    async def seizures(
        self,
        info: Info[Context, None],
        filter: SeizureFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[Seizure]:
        context = info.context
        if not context.can(access.VIEW):
            raise PermissionDeniedError("seizures.view is required", field="seizures")
        size = clamp_first(first, context.instance.config.graphql)
        key = cursor_key(after, dt.date.fromisoformat, int)
        viewer = user_id(context.principal)
        params: dict[str, object] = {}
        tree = selection(info)
        node = tree.at("edges", "node")
        columns = loaders.columns(node)
        if filter is None and key is None and viewer is not None:
            # The first page without a filter, the most common request: statements built once.
            base, page = _first_page(context.principal.can(access.VALIDATE), size, columns)
            params["viewer"] = viewer
        else:
            base = apply_filter(
                loaders.page_query(columns).where(access.visible_filter(context.principal)),
                filter,
            )
            page = page_after(base, (Case.seizure_date, Case.id), key, size)
        children, photos = loaders.wanted(node)
        complete = children == frozenset(loaders.CHILDREN) and photos and columns is None
        total = 0
        count = (
            select(func.count()).select_from(base.subquery()) if tree.has("totalCount") else None
        )
        db = context.instance.db
        if photos:  # attachments are read through the ORM
            async with db.session() as session:
                rows = await loaders.read_page(session, context, page, children, photos, params)
                if count is not None:
                    total = await session.scalar(count, params)
        else:
            async with db.reading() as connection:
                rows = await loaders.read_cases(connection, page, children, params)
                if count is not None:
                    total = await connection.scalar(count, params)
        if complete:  # a case read in part must not answer another field of the request
            case_loader = loaders.cases(context)
            for case in rows:
                case_loader.prime(case.id, case)  # type: ignore[arg-type]  # reads like a Case
        nodes = [Seizure.from_row(case) for case in rows]
        keys = [(case.seizure_date.isoformat(), case.id) for case in rows]
        return build_connection(
            nodes, keys, size, total or 0, cursors=tree.at("edges").has("cursor")
        )

    @strawberry.field(
        description="One seizure by global id or by reference; null if not visible.",
        extensions=[requires(access.VIEW)],
    )
    async def seizure(
        self,
        info: Info[Context, None],
        id: relay.GlobalID | None = None,
        reference: str | None = None,
    ) -> Seizure | None:
        context = info.context
        if not context.can(access.VIEW):
            raise PermissionDeniedError("seizures.view is required", field="seizure")
        if (id is None) == (reference is None):
            raise InputError("give exactly one of id and reference", field="id")
        if id is not None:
            number = record_id(id.node_id) if id.type_name == "Seizure" else None
            if number is None:
                return None
            case = await loaders.cases_for(info).load(number)
        else:
            async with context.instance.db.session() as session:
                case_id = await session.scalar(select(Case.id).where(Case.reference == reference))
            case = await loaders.cases_for(info).load(case_id) if case_id else None
        return visible_seizure(case, context.principal)
