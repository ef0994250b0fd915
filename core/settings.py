"""Per-module settings: declared by a module (`register_settings`), given in `ncen.toml` under
`[ncen.module.<name>]` or as `NCEN_MODULE_<NAME>_<KEY>` environment variables, checked when the
instance is built, read at run time with `instance.settings("<name>").<key>`.

They follow the rules of every other key (core/config.py): a value of the wrong type or out of
range, or a key the module does not declare, is refused with a `ConfigError` naming it. The
modules are known only once they are loaded, so the file and the environment are read by
`load_config` as they are and checked here. A table for a module that is not installed is an
error (a typo in its name would otherwise be ignored); the table of an installed module that is
not enabled is kept as it is, unchecked, for the day the module is enabled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.config import Config, _as_bool, _as_float, _as_int, _as_str
from core.errors import ConfigError, ModuleLoadError

ENV_PREFIX = "NCEN_MODULE_"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string"}
_UNBOUNDED = 2**63 - 1


@dataclass(frozen=True)
class Setting:
    """One setting a module declares: `Setting("review_years", int, 3, minimum=1, maximum=30,
    description=...)`. `type` is int, float, bool or str; `choices` lists the allowed values
    (str or int settings)."""

    name: str
    type: type
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()

    def parser(self) -> Callable[[Any, str], Any]:
        """The value parser, as for core's own keys (core/config.py)."""
        if self.type is bool:
            parse: Callable[[Any, str], Any] = _as_bool
        elif self.type is int:
            low = int(self.minimum) if self.minimum is not None else -_UNBOUNDED
            parse = _as_int(low, int(self.maximum) if self.maximum is not None else _UNBOUNDED)
        elif self.type is float:
            bottom = self.minimum if self.minimum is not None else float("-inf")
            parse = _as_float(bottom, self.maximum if self.maximum is not None else float("inf"))
        else:
            parse = _as_str
        if not self.choices:
            return parse
        choices = self.choices

        def one_of(value: Any, key: str) -> Any:
            parsed = parse(value, key)
            if parsed not in choices:
                raise ConfigError(f"{key}: must be one of {list(choices)}, got {parsed!r}")
            return parsed

        return one_of

    def env_name(self, module: str) -> str:
        return f"{ENV_PREFIX}{module.upper()}_{self.name.upper()}"

    def kind(self) -> str:
        """How docs/configuration.md describes the type, e.g. `integer, 1 to 30` with an en dash."""
        words = _TYPES[self.type]
        if self.choices:
            return f"{words}, one of {', '.join(str(c) for c in self.choices)}"
        if self.minimum is not None and self.maximum is not None:
            return f"{words}, {_number(self.minimum)}\u2013{_number(self.maximum)}"
        return words


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class ModuleSettings:
    """The checked settings of one module: `settings.review_years`."""

    __slots__ = ("_module", "_values")

    def __init__(self, module: str, values: Mapping[str, Any]) -> None:
        self._module = module
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"module {self._module!r} has no setting {name!r}") from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __repr__(self) -> str:
        return f"ModuleSettings({self._module!r}, {self._values!r})"


def check_declarations(module: str, settings: Iterable[Any]) -> list[Setting]:
    """A module's declarations, checked: names, types, and defaults that pass their own rules."""
    checked: dict[str, Setting] = {}
    for setting in settings:
        if not isinstance(setting, Setting):
            raise ModuleLoadError(
                f"module {module!r}: register_settings must return Setting objects"
            )
        where = f"module {module!r} setting {setting.name!r}"
        if not _KEY.match(setting.name):
            raise ModuleLoadError(f"{where}: names are lowercase letters, digits and _")
        if setting.type not in _TYPES:
            raise ModuleLoadError(f"{where}: type must be one of int, float, bool, str")
        if setting.name in checked:
            raise ModuleLoadError(f"{where} is declared twice")
        try:
            setting.parser()(setting.default, f"default of {where}")
        except ConfigError as exc:
            raise ModuleLoadError(str(exc)) from None
        checked[setting.name] = setting
    return list(checked.values())


def resolve_module_settings(
    config: Config,
    installed: Iterable[str],
    enabled: Sequence[str],
    declared: Mapping[str, Sequence[Setting]],
) -> dict[str, ModuleSettings]:
    """Check the `[ncen.module.*]` tables and `NCEN_MODULE_*` variables of `config` against
    the declarations of the enabled modules; return each enabled module's settings."""
    installed = set(installed)
    given: dict[str, dict[str, tuple[Any, str]]] = {name: {} for name in enabled}
    for module, table in config.module_settings.items():
        if module not in installed:
            raise ConfigError(
                f"config table [ncen.module.{module}]: no module {module!r} is installed"
            )
        if module in given:
            for key, value in table.items():
                given[module][key] = (value, f"ncen.module.{module}.{key}")
    for env_name, value in config.module_environ.items():
        module, key = _env_target(env_name, installed, enabled, declared)
        if module in given:
            given[module][key] = (value, env_name)

    resolved = {}
    for module in enabled:
        settings = {s.name: s for s in declared.get(module, ())}
        values = {name: s.default for name, s in settings.items()}
        for key, (value, where) in given[module].items():
            if key not in settings:
                known = ", ".join(sorted(settings)) or "none"
                raise ConfigError(f"unknown config key {where}: module {module!r} declares {known}")
            values[key] = settings[key].parser()(value, where)
        resolved[module] = ModuleSettings(module, values)
    return resolved


def _env_target(
    env_name: str,
    installed: set[str],
    enabled: Sequence[str],
    declared: Mapping[str, Sequence[Setting]],
) -> tuple[str, str]:
    """(module, key) an `NCEN_MODULE_*` variable is for. Module names may hold underscores, so a
    declared setting's exact name wins; otherwise the longest installed module name that
    prefixes it."""
    for module in enabled:
        for setting in declared.get(module, ()):
            if setting.env_name(module) == env_name:
                return module, setting.name
    rest = env_name.removeprefix(ENV_PREFIX)
    for module in sorted(installed, key=len, reverse=True):
        if rest.startswith(f"{module.upper()}_") and len(rest) > len(module) + 1:
            return module, rest[len(module) + 1 :].lower()
    raise ConfigError(f"{env_name}: names no installed module (NCEN_MODULE_<NAME>_<KEY>)")
