"""Writing and reading `core_link` rows; GraphQL concerns stay in core/links/schema.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.gql.errors import ConflictError, NotFoundError
from core.links.audit import LINK_CREATED, LINK_REMOVED, audit_link_change
from core.links.models import Link


@dataclass(frozen=True)
class EntityRef:
    type: str
    id: str
    module: str


async def add_link(
    session: AsyncSession,
    source: EntityRef,
    relation: str,
    target: EntityRef,
    *,
    note: str | None,
    actor: str | None,
    principal: Any,
) -> Link:
    """Store source --relation--> target (the declared, forward direction) and audit it."""
    existing = await session.scalar(_edge(source, relation, target))
    if existing is not None:
        raise ConflictError("these records are already linked by this relation", field="relation")
    link = Link(
        src_type=source.type,
        src_id=source.id,
        src_module=source.module,
        relation=relation,
        dst_type=target.type,
        dst_id=target.id,
        dst_module=target.module,
        note=note,
        created_by=actor,
    )
    session.add(link)
    await session.flush()
    await audit_link_change(session, principal, LINK_CREATED, link)
    return link


async def remove_link(
    session: AsyncSession, source: EntityRef, relation: str, target: EntityRef, *, principal: Any
) -> Link:
    link = await session.scalar(_edge(source, relation, target))
    if link is None:
        raise NotFoundError("these records are not linked by this relation", field="relation")
    await audit_link_change(session, principal, LINK_REMOVED, link)
    await session.delete(link)
    return link


async def remove_links_of(
    session: AsyncSession, entity_type: str, entity_id: str | int, *, principal: Any
) -> list[tuple[str, str, str]]:
    """Remove every link touching a record that is deleted or erased; return the other end of
    each, as (relation, entity type, id).

    The one policy for links of a record that goes away, whatever its module: each link is
    removed and audited as `link.removed` (filed under its source record, so the other record's
    history shows it). The audit detail names the two ends and relation only, never the note,
    so an erasure leaves nothing personal behind in the append-only log."""
    record_id = str(entity_id)
    touching = sa.or_(
        sa.and_(Link.src_type == entity_type, Link.src_id == record_id),
        sa.and_(Link.dst_type == entity_type, Link.dst_id == record_id),
    )
    links = list(await session.scalars(sa.select(Link).where(touching).order_by(Link.id)))
    ends = []
    for link in links:
        await audit_link_change(session, principal, LINK_REMOVED, link)
        await session.delete(link)
        source = link.src_type == entity_type and link.src_id == record_id
        other = (link.dst_type, link.dst_id) if source else (link.src_type, link.src_id)
        ends.append((link.relation, *other))
    return ends


def _edge(source: EntityRef, relation: str, target: EntityRef) -> sa.Select[Link]:
    return sa.select(Link).where(
        Link.src_type == source.type,
        Link.src_id == source.id,
        Link.relation == relation,
        Link.dst_type == target.type,
        Link.dst_id == target.id,
    )


async def links_of(
    session: AsyncSession, keys: Sequence[tuple[str, str]], modules: Sequence[str]
) -> list[Link]:
    """Every link touching one of the (type, id) records whose both ends' modules are visible.

    One query whatever the number of records; both directions use an index.
    """
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_name, record_id in keys:
        by_type[type_name].append(record_id)
    touching = [
        sa.and_(column_type == type_name, column_id.in_(ids))
        for type_name, ids in by_type.items()
        for column_type, column_id in ((Link.src_type, Link.src_id), (Link.dst_type, Link.dst_id))
    ]
    query = (
        sa.select(Link)
        .where(sa.or_(*touching))
        .where(Link.src_module.in_(modules), Link.dst_module.in_(modules))
        .order_by(Link.created_at, Link.id)
    )
    return list(await session.scalars(query))
