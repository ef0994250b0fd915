"""The intelligence module's plugin object: watch lists, screening of new data, alerts with
explanations, judgements (and cross-referencing across the databases).

Imports of the module's own code happen inside the hooks, so that installing ncen with the
module disabled never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

if TYPE_CHECKING:
    import click
    from starlette.routing import BaseRoute

    from core.auth.permissions import Permission
    from core.events import RecordEvent
    from core.instance import Instance
    from core.outbox import OutboxHandler
    from core.settings import Setting


class IntelligenceModule:
    info = ModuleInfo(
        name="intelligence",
        version="0.1.0",
        label="Intelligence",
        description="Watch lists, screening of new data with explained alerts, and "
        "cross-database matching.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.intelligence.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        from plugins.intelligence.access import PERMISSIONS

        return PERMISSIONS

    @hookimpl
    def register_settings(self) -> list[Setting]:
        from plugins.intelligence.settings import declarations

        return declarations()

    @hookimpl
    def register_cli_commands(self) -> list[click.Command]:
        from plugins.intelligence.cli import intelligence_group, xref_command

        return [xref_command, intelligence_group]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.intelligence.gql import IntelligenceMutation, IntelligenceQuery

        return GraphQLContribution(queries=[IntelligenceQuery], mutations=[IntelligenceMutation])

    @hookimpl
    def register_outbox_handlers(self, instance: Instance) -> list[OutboxHandler]:
        from plugins.intelligence import retro

        return retro.handlers(instance)

    @hookimpl
    def register_routes(self) -> list[BaseRoute]:
        from plugins.intelligence.http import routes

        return routes()

    @hookimpl
    def on_startup(self, instance: Instance) -> None:
        from plugins.intelligence import searches

        searches.start(instance)

    @hookimpl
    async def on_shutdown(self, instance: Instance) -> None:
        from plugins.intelligence import searches

        await searches.stop(instance)

    @hookimpl
    async def on_records_changed(self, instance: Instance, events: list[RecordEvent]) -> None:
        from plugins.intelligence.screening import screen

        await screen(instance, events)


module = IntelligenceModule()
