"""Per instance: the declared link types, and which entity types the schema serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import ModuleLoadError
from core.gql.entity import Entity
from core.links.declarations import LinkType
from core.plugins import collect

if TYPE_CHECKING:
    from core.instance import Instance

_STATE_KEY = "links.registry"
CORE_MODULE = "core"  # entity types owned by core (owner_module "core") are always visible


@dataclass(frozen=True)
class Direction:
    """A link type seen from one side: `forward` is source->target."""

    link_type: LinkType
    forward: bool

    @property
    def relation(self) -> str:
        return self.link_type.relation if self.forward else self.link_type.inverse

    @property
    def other(self) -> str:
        return self.link_type.target if self.forward else self.link_type.source


@dataclass
class LinkRegistry:
    # (entity type, relation seen from it) -> directions (several targets may share a relation)
    by_side: dict[tuple[str, str], list[Direction]] = field(default_factory=dict)
    # (source, relation, target) -> the declared type
    edges: dict[tuple[str, str, str], LinkType] = field(default_factory=dict)

    def add(self, plugin: str, link_type: LinkType) -> None:
        key = (link_type.source, link_type.relation, link_type.target)
        known = self.edges.get(key)
        if known is not None and known.inverse != link_type.inverse:
            raise ModuleLoadError(
                f"{plugin!r} declares link type {key} with inverse {link_type.inverse!r}, "
                f"already declared with inverse {known.inverse!r}"
            )
        if known is not None:
            return
        self.edges[key] = link_type
        for direction in (Direction(link_type, True), Direction(link_type, False)):
            side = link_type.source if direction.forward else link_type.target
            self.by_side.setdefault((side, direction.relation), []).append(direction)

    def direction(self, side: str, relation: str, other: str) -> Direction | None:
        """The declared link type joining `side` to `other` by `relation` (forward first)."""
        matches = [d for d in self.by_side.get((side, relation), []) if d.other == other]
        return next((d for d in matches if d.forward), matches[0] if matches else None)


def link_registry(instance: Instance) -> LinkRegistry:
    if _STATE_KEY not in instance.state:
        registry = LinkRegistry()
        for plugin, link_types in collect(instance.pm, "register_link_types"):
            for link_type in link_types:
                if not isinstance(link_type, LinkType):
                    raise ModuleLoadError(
                        f"{plugin!r}: register_link_types must return LinkType objects"
                    )
                registry.add(plugin, link_type)
        instance.state[_STATE_KEY] = registry
    return instance.state[_STATE_KEY]


def entity_class(instance: Instance, type_name: str) -> type[Entity] | None:
    """The strawberry class of an entity type served by this instance, else None."""
    definition = instance.schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    if isinstance(origin, type) and issubclass(origin, Entity) and origin is not Entity:
        return origin
    return None


def visible_modules(instance: Instance) -> list[str]:
    return [CORE_MODULE, *instance.module_names]
