"""Reading alerts as a reader may see them: on a watch list they may see, about a record they
may see. Everything is one SQL condition, so that a page and its `totalCount` agree: the type's
view permission (`Alert.view_permission`), the record's own rules beyond it (a workflow's drafts
stay with their author and the validators: the alert's record must not be among the drafts the
reader may not see), and only record types of enabled modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, String, cast, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.gql.connection import page_after
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


def record_rules(instance: Instance, principal: Principal) -> list[ColumnElement[bool]]:
    """SQL conditions on Alert: its record is not one the reader is kept from by its record
    type's workflow (`visible_filter`). Written as "not among the hidden records" because the
    hidden ones (others' drafts) are few next to the visible ones."""
    registry = record_registry(instance)
    types_of: dict[str, list[str]] = {}
    for entity_type, rt in registry.by_entity_type.items():
        types_of.setdefault(rt.name, []).append(entity_type)
    conditions: list[ColumnElement[bool]] = []
    for rt in registry:
        workflow = rt.workflow
        if workflow is None or not principal.can(rt.view_permission):
            continue
        if principal.can(workflow.validate):
            continue  # validators see every record of the type
        model: Any = rt.model
        visible = workflow.visible_filter(model, principal)
        hidden = select(cast(model.id, String)).where(
            or_(not_(visible), visible.is_(None))  # NULL (unknown author) is not visible either
        )
        conditions.append(
            or_(Alert.entity_type.not_in(types_of.get(rt.name, [])), Alert.entity_id.not_in(hidden))
        )
    return conditions


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
            *record_rules(instance, principal),
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


async def page(
    instance: Instance,
    principal: Principal,
    wanted: AlertQuery,
    size: int,
    after: tuple[Any, ...] | None,
) -> tuple[list[Alert], int]:
    """Up to size+1 visible alerts, newest first, and the count of the visible alerts the
    filter selects (the same condition: the count never includes what a page would hide)."""
    async with instance.db.session() as session:
        base = await base_query(instance, session, principal, wanted)
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        query = page_after(base.options(selectinload(Alert.judgements)), (Alert.id,), after, size)
        rows = list((await session.scalars(query)).all())
    return rows, total


async def visible_alert(
    instance: Instance, session: AsyncSession, principal: Principal, alert_id: int | None
) -> Alert | None:
    if alert_id is None:
        return None
    base = await base_query(instance, session, principal, AlertQuery())
    return await session.scalar(
        base.where(Alert.id == alert_id).options(selectinload(Alert.judgements))
    )
