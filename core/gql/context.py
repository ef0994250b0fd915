"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request

if TYPE_CHECKING:
    from core.instance import Instance


class Principal(Protocol):
    """Who is calling: a user session, an API token, or nobody (anonymous)."""

    @property
    def is_authenticated(self) -> bool: ...

    def can(self, permission: str) -> bool: ...


@dataclass(frozen=True)
class Anonymous:
    is_authenticated: bool = False

    def can(self, permission: str) -> bool:
        return False


ANONYMOUS = Anonymous()


@dataclass
class Context:
    request: Request
    instance: Instance
    principal: Principal = ANONYMOUS
    # Per-request DataLoaders, created on first use by `loader()`; never shared across requests.
    loaders: dict[str, Any] = field(default_factory=dict)

    def loader(self, key: str, factory: Any) -> Any:
        if key not in self.loaders:
            self.loaders[key] = factory(self)
        return self.loaders[key]

    def can(self, permission: str) -> bool:
        return self.principal.can(permission)
