"""Module discovery and loading: one pluggy PluginManager per instance, no globals.

Modules are found through the `ncen.modules` entry-point group (built-in and third-party alike).
Installed modules that are not enabled are blocked before their code is imported.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

import core
from core import hookspecs
from core.errors import ModuleLoadError
from core.module import Module, ModuleInfo

ENTRY_POINT_GROUP = "ncen.modules"


@dataclass(frozen=True)
class InstalledModule:
    """A module known from an entry point, before (or without) importing it."""

    name: str
    entry_point: EntryPoint | None
    distribution: str
    plugin: Module | None = None  # set for modules given in-process (tests, embedding)

    @property
    def package(self) -> str:
        """The Python package holding the module (its `migrations/` live there)."""
        source = self.entry_point.module if self.entry_point else type(self.plugin).__module__
        return source.rpartition(".")[0] or source

    def migrations_path(self) -> Path | None:
        """`<package>/migrations` found without importing the module's own code."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / "migrations"
        return path if path.is_dir() else None

    def load(self) -> Module:
        if self.plugin is not None:
            plugin = self.plugin
        else:
            assert self.entry_point is not None  # an installed module has one or the other
            plugin = self.entry_point.load()
        info = getattr(plugin, "info", None)
        if not isinstance(info, ModuleInfo):
            raise ModuleLoadError(f"module {self.name!r} has no `info: ModuleInfo` attribute")
        if info.name != self.name:
            raise ModuleLoadError(
                f"entry point {self.name!r} loads a module that calls itself {info.name!r}"
            )
        return plugin


def installed_modules(extra: Sequence[Module] = ()) -> dict[str, InstalledModule]:
    """Every module installed in this environment, plus `extra` plugin objects."""
    found: dict[str, InstalledModule] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "?"
        if ep.name in found:
            raise ModuleLoadError(
                f"module name {ep.name!r} is installed twice: by {found[ep.name].distribution} "
                f"and by {dist}"
            )
        found[ep.name] = InstalledModule(ep.name, ep, dist)
    for plugin in extra:
        name = plugin.info.name
        if name in found:
            raise ModuleLoadError(
                f"module name {name!r} is installed twice: by {found[name].distribution} "
                "and by an in-process plugin"
            )
        found[name] = InstalledModule(name, None, "(in-process)", plugin)
    return found


def dependency_order(infos: dict[str, ModuleInfo]) -> list[str]:
    """Topological order of `requires`, stable on the enabled order; cycles are an error."""
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ModuleLoadError(f"modules require each other in a cycle: {' -> '.join(chain)}")
        state[name] = "visiting"
        for dep in infos[name].requires:
            visit(dep, (*chain, dep))
        state[name] = "done"
        ordered.append(name)

    for name in infos:
        visit(name, (name,))
    return ordered


def _check_core_version(info: ModuleInfo) -> None:
    try:
        spec = SpecifierSet(info.core)
    except InvalidSpecifier:
        raise ModuleLoadError(
            f"module {info.name!r} declares an invalid core range {info.core!r}"
        ) from None
    if Version(core.__version__) not in spec:
        raise ModuleLoadError(
            f"module {info.name!r} {info.version} needs ncen core {info.core}, "
            f"this is {core.__version__}"
        )


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("ncen")
    pm.add_hookspecs(hookspecs)
    return pm


@dataclass(frozen=True)
class LoadedModules:
    pm: pluggy.PluginManager
    modules: tuple[ModuleInfo, ...]  # enabled, in dependency order
    installed: dict[str, InstalledModule]

    def plugin(self, name: str) -> Module:
        found: Module | None = self.pm.get_plugin(name)
        if found is None:
            raise KeyError(f"no module {name!r} is loaded")
        return found


def load_modules(
    enabled: Iterable[str],
    *,
    extra: Sequence[Module] = (),
    core_plugins: Sequence[tuple[str, object]] = (),
) -> LoadedModules:
    """Build the plugin manager for one instance with exactly the enabled modules."""
    enabled = list(enabled)
    seen: set[str] = set()
    for name in enabled:
        if name in seen:
            raise ModuleLoadError(f"module {name!r} is enabled twice")
        seen.add(name)
    installed = installed_modules(extra)
    unknown = [name for name in enabled if name not in installed]
    if unknown:
        raise ModuleLoadError(
            f"enabled module(s) {unknown} are not installed; installed: {sorted(installed)}"
        )

    pm = new_plugin_manager()
    for name in installed:
        if name not in seen:
            pm.set_blocked(name)

    plugins: dict[str, Module] = {}
    infos: dict[str, ModuleInfo] = {}
    for name in enabled:
        plugin = installed[name].load()
        _check_core_version(plugin.info)
        plugins[name], infos[name] = plugin, plugin.info
    for name, info in infos.items():
        missing = [dep for dep in info.requires if dep not in infos]
        if missing:
            raise ModuleLoadError(f"module {name!r} requires {missing}, which are not enabled")

    order = dependency_order(infos)
    for plugin_name, core_plugin in core_plugins:
        pm.register(core_plugin, name=plugin_name)
    for name in order:
        pm.register(plugins[name], name=name)
    return LoadedModules(pm, tuple(infos[name] for name in order), installed)


def collect(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a register_* hook plugin by plugin, keeping who answered what (for error messages).

    Results are in registration order (core first, then modules in dependency order); `None`
    answers are dropped.
    """
    caller = getattr(pm.hook, hook_name)
    answers = []
    for impl in caller.get_hookimpls():  # registration order; pluggy *calls* them LIFO
        result = impl.function(**{k: kwargs[k] for k in impl.argnames})
        if result is not None:
            answers.append((impl.plugin_name, result))
    return answers


async def resolve(value: Any) -> Any:
    """Await the value if a hook returned an awaitable."""
    while inspect.isawaitable(value):
        value = await value
    return value


async def call_event(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> None:
    """Fire an on_* or action hook in dependency order, awaiting what each implementation returns.

    Dependency order matters for events such as demo data (a module's records may need those
    of the modules it requires), which pluggy's own LIFO call order would reverse. Each
    implementation is called only once the previous one has finished, so a failure stops the
    event without leaving later coroutines created and never awaited.
    """
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        await resolve(impl.function(**{k: kwargs[k] for k in impl.argnames}))
