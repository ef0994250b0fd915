"""The audit log as a core plugin: its tables, its GraphQL query, and the chain monitor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.audit.checkpoints import store_of
from core.audit.models import MODELS
from core.audit.monitor import ChainMonitor
from core.audit.schema import AuditQuery
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl

if TYPE_CHECKING:
    from core.instance import Instance

MONITOR_KEY = "core.audit.monitor"  # in instance.state


class CoreAuditPlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[AuditQuery])

    @hookimpl
    def on_startup(self, instance: Instance) -> None:
        monitor = ChainMonitor(instance, store_of(instance))
        instance.state[MONITOR_KEY] = monitor
        monitor.start(instance.config.audit.checkpoint_minutes)

    @hookimpl
    async def on_shutdown(self, instance: Instance) -> None:
        monitor = instance.state.pop(MONITOR_KEY, None)
        if isinstance(monitor, ChainMonitor):
            await monitor.stop()
