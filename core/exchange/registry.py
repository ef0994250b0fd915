"""The exchange types of the enabled modules (`register_exchange_types`), by module name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import ModuleLoadError, NcenError
from core.exchange.declaration import ExchangeType
from core.plugins import collect

if TYPE_CHECKING:
    from core.instance import Instance

_STATE_KEY = "core.exchange.types"


class UnknownModule(NcenError):
    """An exchange asked of a module that is not enabled or declares none."""


def exchange_types(instance: Instance) -> dict[str, ExchangeType]:
    if _STATE_KEY not in instance.state:
        found: dict[str, ExchangeType] = {}
        for plugin, declared in collect(instance.pm, "register_exchange_types"):
            for xt in declared:
                if not isinstance(xt, ExchangeType) or xt.module != plugin:
                    raise ModuleLoadError(
                        f"{plugin!r}: register_exchange_types must return its ExchangeTypes"
                    )
                found[xt.module] = xt
        instance.state[_STATE_KEY] = found
    return instance.state[_STATE_KEY]


def exchange_type(instance: Instance, module: str) -> ExchangeType:
    found = exchange_types(instance).get(module)
    if found is None:
        names = ", ".join(sorted(exchange_types(instance))) or "none"
        raise UnknownModule(f"module {module!r} has no import or export (modules: {names})")
    return found
