"""Which plugin owns which list, who extends it, and which columns use it (per instance)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.codelists.models import NATIONAL
from core.codelists.sources import CodeListSource, CodeListUsage
from core.errors import ModuleLoadError
from core.plugins import collect

if TYPE_CHECKING:
    from core.instance import Instance

_STATE_KEY = "codelists.registry"


@dataclass
class CodeListRegistry:
    owners: dict[str, tuple[str, CodeListSource]] = field(default_factory=dict)
    extensions: dict[str, list[tuple[str, CodeListSource]]] = field(default_factory=dict)
    usages: dict[str, list[CodeListUsage]] = field(default_factory=dict)

    def known(self, name: str) -> bool:
        return name in self.owners


def _build(instance: Instance) -> CodeListRegistry:
    registry = CodeListRegistry()
    for plugin, sources in collect(instance.pm, "register_code_lists"):
        for source in sources:
            if not isinstance(source, CodeListSource):
                raise ModuleLoadError(
                    f"{plugin!r}: register_code_lists must return CodeListSource objects"
                )
            if source.extends:
                registry.extensions.setdefault(source.name, []).append((plugin, source))
            elif source.name in registry.owners:
                raise ModuleLoadError(
                    f"code list {source.name!r} is shipped by both "
                    f"{registry.owners[source.name][0]!r} and {plugin!r}; one of them should "
                    "declare `extends=True`"
                )
            else:
                registry.owners[source.name] = (plugin, source)
    for _plugin, usages in collect(instance.pm, "register_code_list_usage"):
        for usage in usages:
            registry.usages.setdefault(usage.list, []).append(usage)
    # Extension fields with a code list store their codes in the record's `extra` JSON.
    from core.forms.registry import form_registry

    for usage in form_registry(instance).code_list_usages():
        registry.usages.setdefault(usage.list, []).append(usage)
    return registry


def code_list_registry(instance: Instance) -> CodeListRegistry:
    """Built on first use and kept in `instance.state`: declarations do not change at run time."""
    if _STATE_KEY not in instance.state:
        instance.state[_STATE_KEY] = _build(instance)
    return instance.state[_STATE_KEY]


def is_served(instance: Instance, source: str) -> bool:
    """Whether a list or entry from `source` is served: one of core's, an enabled module's, or
    national. A disabled module's lists, and the entries it adds to other lists, stay stored
    but are not served until it is enabled again."""
    return source == NATIONAL or instance.pm.get_plugin(source) is not None
