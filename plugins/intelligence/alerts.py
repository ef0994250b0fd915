"""Reading alerts as a reader may see them: on a watch list they may see, about a record they
may see. The type's view permission is checked in SQL (`Alert.view_permission`), record rules
beyond it (drafts stay with their author and the validators) on each page through the record
type's `visible_ids`, and alerts about records of disabled modules are not shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.records.registry import record_registry
from core.workflow import user_id
from plugins.intelligence import access
from plugins.intelligence.models import Alert, WatchList

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance


@dataclass
class AlertQuery:
    list_ids: Sequence[int] = ()
    statuses: Sequence[str] = ()
    entity_types: Sequence[str] = ()
    entity_id: str | None = None
    since: dt.datetime | None = None


def _permissions(instance: Instance, principal: Principal) -> list[str]:
    return sorted(
        {
            rt.view_permission
            for rt in record_registry(instance)
            if principal.can(rt.view_permission)
        }
    )


async def base_query(
    instance: Instance, session: AsyncSession, principal: Principal, wanted: AlertQuery
) -> Select[Any]:
    roles = await access.roles_of(session, user_id(principal) or 0)
    query = (
        select(Alert)
        .join(WatchList, WatchList.id == Alert.list_id)
        .where(
            access.visible_lists(principal, roles),
            Alert.view_permission.in_(_permissions(instance, principal)),
            Alert.entity_type.in_(list(record_registry(instance).by_entity_type)),
        )
    )
    if wanted.list_ids:
        query = query.where(Alert.list_id.in_(wanted.list_ids))
    if wanted.statuses:
        query = query.where(Alert.status.in_(wanted.statuses))
    if wanted.entity_types:
        query = query.where(Alert.entity_type.in_(wanted.entity_types))
    if wanted.entity_id is not None:
        query = query.where(Alert.entity_id == wanted.entity_id)
    if wanted.since is not None:
        query = query.where(Alert.updated_at >= wanted.since)
    return query


async def _visible(
    instance: Instance, session: AsyncSession, principal: Principal, rows: Sequence[Alert]
) -> list[Alert]:
    registry = record_registry(instance)
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row.entity_type, []).append(row.entity_id)
    seen: set[tuple[str, str]] = set()
    for entity_type, ids in by_type.items():
        rt = registry.get(entity_type)
        if rt is None:
            continue
        seen |= {(entity_type, i) for i in await rt.visible_ids(session, principal, ids)}
    return [r for r in rows if (r.entity_type, r.entity_id) in seen]


async def page(
    instance: Instance,
    principal: Principal,
    wanted: AlertQuery,
    size: int,
    before_id: int | None,
) -> tuple[list[Alert], int]:
    """Up to size+1 visible alerts, newest first, and the count of the filter's alerts."""
    async with instance.db.session() as session:
        base = await base_query(instance, session, principal, wanted)
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        found: list[Alert] = []
        cursor = before_id
        for _ in range(5):  # record rules beyond the permission hide few: a few rounds at most
            query = base.options(selectinload(Alert.judgements)).order_by(Alert.id.desc())
            if cursor is not None:
                query = query.where(Alert.id < cursor)
            limit = size + 1 - len(found)
            rows = list((await session.scalars(query.limit(limit))).all())
            found += await _visible(instance, session, principal, rows)
            if len(found) > size or len(rows) < limit:
                break
            cursor = rows[-1].id
    return found, total


async def visible_alert(
    instance: Instance, session: AsyncSession, principal: Principal, alert_id: int | None
) -> Alert | None:
    if alert_id is None:
        return None
    base = await base_query(instance, session, principal, AlertQuery())
    row = await session.scalar(
        base.where(Alert.id == alert_id).options(selectinload(Alert.judgements))
    )
    if row is None:
        return None
    return row if await _visible(instance, session, principal, [row]) else None
