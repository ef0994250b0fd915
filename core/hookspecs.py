"""The hooks a module can implement. Each one is documented in docs/hooks.md and tested.

Kinds: `register_*` hooks are collected once at start-up and return declarations (lists or
objects); `on_*` hooks are events. Implementations may return values or awaitables where the
hook says so; core awaits them uniformly (`core.plugins.resolve`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.auth.permissions import Permission
    from core.gql.contribution import GraphQLContribution
    from core.instance import Instance
    from core.outbox import OutboxHandler
    from core.search.documents import SearchType

hookspec = pluggy.HookspecMarker("ncen")
hookimpl = pluggy.HookimplMarker("ncen")


@hookspec
def register_models() -> list[type]:
    """SQLAlchemy model classes of the module; each table name must start with `<module>_`."""


@hookspec
def register_graphql() -> GraphQLContribution | None:
    """Query fields, mutations and types the module adds to the combined schema."""


@hookspec
def register_outbox_handlers() -> list[OutboxHandler]:
    """Handlers for outbox topics; the relay calls them with batches after commit."""


@hookspec
def register_permissions() -> list[Permission]:
    """Permissions of the module, each named `<module>.<what>`, with the roles granted it first."""


@hookspec
def register_search_types() -> list[SearchType]:
    """Entity types the module makes searchable: permission, document fetcher, id lister."""


@hookspec
def load_demo_data(instance: Instance, size: int) -> Any:
    """Insert `size` deterministic synthetic records of the module (may return an awaitable)."""


@hookspec
def on_startup(instance: Instance) -> Any:
    """Called once when the instance starts serving (may return an awaitable)."""


@hookspec
def on_shutdown(instance: Instance) -> Any:
    """Called once when the instance stops (may return an awaitable)."""
