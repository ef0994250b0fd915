"""Search as a core feature: registered as a plugin like any module, bound to one instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.outbox import OutboxEvent, OutboxHandler
from core.plugins import collect
from core.records.registry import record_registry
from core.records.search import search_types
from core.search.backend import SearchBackend
from core.search.events import TOPICS
from core.search.gql import SearchQuery
from core.search.service import SearchService, validate_types

if TYPE_CHECKING:
    from core.config import Config
    from core.instance import Instance

PLUGIN_NAME = "core.search"


class CoreSearchPlugin:
    """Consumes the search outbox topics and adds `search` to the schema."""

    def __init__(self) -> None:
        self.service: SearchService | None = None

    async def _handle(self, events: Sequence[OutboxEvent]) -> None:
        if self.service is None:
            raise RuntimeError("search plugin is not bound to an instance")
        await self.service.handle_events(events)

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        return [OutboxHandler(topics=TOPICS, handle=self._handle, name="core.search")]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[SearchQuery])


def backend_name(config: Config) -> str:
    """The backend `[ncen.search] backend` chooses: `auto` is PostgreSQL full-text search on a
    PostgreSQL database (shared by every server of the instance), whoosh on SQLite."""
    chosen = config.search.backend
    if chosen == "auto":
        return "whoosh" if config.is_sqlite else "postgresql"
    return chosen


def make_backend(instance: Instance) -> SearchBackend:
    if backend_name(instance.config) == "postgresql":
        from core.search.postgres_backend import PostgresSearchBackend

        return PostgresSearchBackend(instance.db)
    from core.search.whoosh_backend import WhooshBackend

    return WhooshBackend(instance.config.search_dir)


def attach_search(instance: Instance) -> SearchService:
    """Build the instance's search service from the enabled modules' declarations."""
    declared = collect(instance.pm, "register_search_types")
    registry = record_registry(instance)
    derived = [(registry.plugin_of[rt.name], search_types(rt)) for rt in registry]
    types = validate_types([*declared, *((p, t) for p, t in derived if t)])
    service = SearchService(make_backend(instance), instance.db, types, instance.config.search)
    plugin = instance.pm.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, CoreSearchPlugin):
        plugin.service = service
    return service
