"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from core.instance import Instance


@dataclass
class Context:
    request: Request
    instance: Instance
    # Per-request DataLoaders, created on first use by `loader()`; never shared across requests.
    loaders: dict[str, Any] = field(default_factory=dict)

    def loader(self, key: str, factory: Any) -> Any:
        if key not in self.loaders:
            self.loaders[key] = factory(self)
        return self.loaders[key]
