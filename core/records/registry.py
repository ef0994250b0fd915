"""The record types of an instance's enabled modules, by name and by entity type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from core.errors import ModuleLoadError
from core.plugins import collect
from core.records.declaration import RecordType

if TYPE_CHECKING:
    from core.instance import Instance

_STATE_KEY = "records.registry"


@dataclass
class RecordRegistry:
    by_name: dict[str, RecordType[Any, Any]] = field(default_factory=dict)
    by_entity_type: dict[str, RecordType[Any, Any]] = field(default_factory=dict)
    plugin_of: dict[str, str] = field(default_factory=dict)  # record type name -> plugin

    def get(self, entity_type: str) -> RecordType[Any, Any] | None:
        """The record type that owns records of `entity_type` (`Vehicle` -> conveyances)."""
        return self.by_entity_type.get(entity_type)

    def __iter__(self):
        return iter(self.by_name.values())


def build_registry(pm: pluggy.PluginManager) -> RecordRegistry:
    registry = RecordRegistry()
    for plugin, declared in collect(pm, "register_record_types"):
        for rt in declared:
            if not isinstance(rt, RecordType):
                raise ModuleLoadError(f"{plugin!r}: register_record_types must return RecordType")
            if rt.module != plugin:
                raise ModuleLoadError(
                    f"{plugin!r} declares record type {rt.name!r} of module {rt.module!r}"
                )
            for entity_type in (rt.name, *rt.accepted_id_types):
                owner = registry.by_entity_type.get(entity_type)
                if owner is not None and owner is not rt:
                    raise ModuleLoadError(
                        f"entity type {entity_type!r} is declared by both "
                        f"{registry.plugin_of[owner.name]!r} and {plugin!r}"
                    )
                registry.by_entity_type[entity_type] = rt
            registry.by_name[rt.name] = rt
            registry.plugin_of[rt.name] = plugin
    return registry


def record_registry(instance: Instance) -> RecordRegistry:
    if _STATE_KEY not in instance.state:
        instance.state[_STATE_KEY] = build_registry(instance.pm)
    return instance.state[_STATE_KEY]
