"""GraphQL for links: the `Link` type, `Entity.links(...)`, and the `link`/`unlink` mutations."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.entity import Entity
from core.gql.errors import InputError, NotFoundError
from core.links.models import Link
from core.links.registry import entity_class, link_registry, visible_modules
from core.links.service import EntityRef, add_link, links_of, remove_link
from core.plugins import resolve

if TYPE_CHECKING:
    from core.instance import Instance

WRITE = "core.links.write"
DEFAULT_FIRST = 50


@strawberry.type(name="Link", description="A link seen from one of its records.")
class LinkNode:
    id: strawberry.ID
    relation: str = strawberry.field(description="The relation as read from this record.")
    entity_type: str = strawberry.field(description="The entity type of the other record.")
    note: str | None
    created_at: dt.datetime
    created_by: str | None
    other_id: strawberry.Private[str]

    @strawberry.field(
        description="The other record (links to records you may not see are not listed at all)."
    )
    async def entity(self, info: Info[Context, None]) -> Entity | None:
        return await _other(info, self)


def _node_loader(info: Info[Context, None], type_name: str) -> DataLoader[str, Any]:
    """One `resolve_nodes` call per entity type per request, whatever the number of links."""
    cls = entity_class(info.context.instance, type_name)

    async def load(ids: Sequence[str]) -> list[Any]:
        if cls is None:
            return [None] * len(ids)
        return list(await resolve(cls.resolve_nodes(info=info, node_ids=ids, required=False)))

    return DataLoader(load_fn=load)


def _edges_loader(context: Context) -> DataLoader[tuple[str, str], list[Link]]:
    async def load(keys: Sequence[tuple[str, str]]) -> list[list[Link]]:
        found: dict[tuple[str, str], list[Link]] = defaultdict(list)
        modules = visible_modules(context.instance)
        async with context.instance.db.session() as session:
            for link in await links_of(session, keys, modules):
                found[(link.src_type, link.src_id)].append(link)
                found[(link.dst_type, link.dst_id)].append(link)
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


def _seen_from(instance: Instance, link: Link, side: tuple[str, str]) -> LinkNode | None:
    """The link as read from `side`; None when its type or the other side is not served."""
    link_type = link_registry(instance).edges.get((link.src_type, link.relation, link.dst_type))
    if link_type is None:
        return None
    forward = (link.src_type, link.src_id) == side
    other_type, other_id = (link.dst_type, link.dst_id) if forward else (link.src_type, link.src_id)
    if entity_class(instance, other_type) is None:
        return None
    return LinkNode(
        id=strawberry.ID(str(link.id)),
        relation=link_type.relation if forward else link_type.inverse,
        entity_type=other_type,
        note=link.note,
        created_at=link.created_at,
        created_by=link.created_by,
        other_id=other_id,
    )


async def entity_links(
    entity: Entity,
    info: Info[Context, None],
    relation: str | None,
    entity_type: str | None,
    first: int,
) -> list[LinkNode]:
    """Resolver behind `Entity.links`: batched over every entity of the request."""
    instance = info.context.instance
    maximum = instance.config.graphql.max_page_size
    if not 1 <= first <= maximum:
        raise InputError(f"first must be between 1 and {maximum}", field="first")
    cls = type(entity)
    side = (
        cls.__strawberry_definition__.name,  # type: ignore[attr-defined]  # every strawberry type has its definition
        str(await resolve(cls.resolve_id(entity, info=info))),
    )
    rows = await info.context.loader("links.edges", _edges_loader).load(side)
    candidates: list[LinkNode] = []
    for row in rows:
        node = _seen_from(instance, row, side)
        if node is None or (relation and node.relation != relation):
            continue
        if entity_type and node.entity_type != entity_type:
            continue
        candidates.append(node)
    # A link whose other record the caller may not see is not shown at all: its relation,
    # type and note would tell that such a record exists (e.g. a person, to someone without
    # suspects.view). The loads are batched per entity type across the request.
    others = await asyncio.gather(*(_other(info, node) for node in candidates))
    return [node for node, other in zip(candidates, others, strict=True) if other is not None][
        :first
    ]


async def _other(info: Info[Context, None], node: LinkNode) -> Any:
    loader = info.context.loader(
        f"links.nodes:{node.entity_type}", lambda _c: _node_loader(info, node.entity_type)
    )
    return await loader.load(node.other_id)


async def _ref(
    info: Info[Context, None], gid: relay.GlobalID, field: str, *, must_exist: bool
) -> EntityRef:
    cls = entity_class(info.context.instance, gid.type_name)
    if cls is None:
        raise InputError(
            f"{gid.type_name!r} is not an entity type served by this instance",
            code="UNKNOWN_ENTITY_TYPE",
            field=field,
        )
    if not cls.owner_module:
        raise RuntimeError(f"entity type {gid.type_name} does not set owner_module")
    if must_exist:
        node = await resolve(cls.resolve_node(gid.node_id, info=info, required=False))
        if node is None:
            raise NotFoundError(f"there is no {gid.type_name} {gid.node_id!r}", field=field)
    return EntityRef(gid.type_name, gid.node_id, cls.owner_module)


async def _endpoints(
    info: Info[Context, None],
    source: relay.GlobalID,
    relation: str,
    target: relay.GlobalID,
    *,
    must_exist: bool,
) -> tuple[EntityRef, str, EntityRef]:
    """Both records and the declared relation, turned into the stored (forward) direction."""
    src = await _ref(info, source, "source", must_exist=must_exist)
    dst = await _ref(info, target, "target", must_exist=must_exist)
    direction = link_registry(info.context.instance).direction(src.type, relation, dst.type)
    if direction is None:
        raise InputError(
            f"no link type {relation!r} from {src.type} to {dst.type} is declared",
            code="UNKNOWN_RELATION",
            field="relation",
        )
    if direction.forward:
        return src, direction.link_type.relation, dst
    return dst, direction.link_type.relation, src


def _actor(context: Context) -> str | None:
    """Who to record as `created_by` (the principal's username, when it has one)."""
    name = getattr(context.principal, "username", None)
    return str(name) if name else None


@strawberry.input(description="Two records and the relation from `source` to `target`.")
class LinkInput:
    source: relay.GlobalID
    relation: str
    target: relay.GlobalID
    note: str | None = None


@strawberry.input(description="The link to remove, named as it was created (either side).")
class UnlinkInput:
    source: relay.GlobalID
    relation: str
    target: relay.GlobalID


@strawberry.type
class LinkMutation:
    @strawberry.mutation(
        description="Link two records (core.links.write); audited.", extensions=[requires(WRITE)]
    )
    async def link(self, info: Info[Context, None], input: LinkInput) -> LinkNode:
        src, relation, dst = await _endpoints(
            info, input.source, input.relation, input.target, must_exist=True
        )
        note = input.note.strip() if input.note and input.note.strip() else None
        async with info.context.instance.db.transaction() as session:
            link = await add_link(
                session,
                src,
                relation,
                dst,
                note=note,
                actor=_actor(info.context),
                principal=info.context.principal,
            )
        side = (input.source.type_name, input.source.node_id)
        node = _seen_from(info.context.instance, link, side)
        assert node is not None  # both ends were just checked
        return node

    @strawberry.mutation(
        description="Remove a link (core.links.write); audited.", extensions=[requires(WRITE)]
    )
    async def unlink(self, info: Info[Context, None], input: UnlinkInput) -> bool:
        src, relation, dst = await _endpoints(
            info, input.source, input.relation, input.target, must_exist=False
        )
        async with info.context.instance.db.transaction() as session:
            await remove_link(session, src, relation, dst, principal=info.context.principal)
        return True
