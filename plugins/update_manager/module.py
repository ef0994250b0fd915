"""The update_manager module's plugin object: its identity and the hooks it implements.

Imports of the module's own code happen inside the hooks, so that installing ncen with the
update manager disabled never imports it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from core.auth.permissions import Permission
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

if TYPE_CHECKING:
    import click

    from core.instance import Instance
    from core.settings import Setting

SERVER_MARKER = "update_manager.server_marker"


class UpdateManagerModule:
    info = ModuleInfo(
        name="update_manager",
        version="0.1.0",
        label="Update manager",
        description="Signed, versioned updates with backup and rollback.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.update_manager.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission(
                "update_manager.view",
                "See installed versions and available updates",
                ("admin",),
                administrative=True,
            ),
            Permission("update_manager.apply", "Apply updates", ("admin",), administrative=True),
        ]

    @hookimpl
    def register_settings(self) -> list[Setting]:
        from plugins.update_manager.settings import declarations

        return declarations()

    @hookimpl
    def register_cli_commands(self) -> list[click.Command]:
        from plugins.update_manager.cli import update_group

        return [update_group]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.update_manager.gql import UpdateMutation, UpdateQuery

        return GraphQLContribution(queries=[UpdateQuery], mutations=[UpdateMutation])

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        """Finish or roll back an interrupted apply, then check periodically. Not in the
        health-check run of a new version, which an apply in progress starts."""
        from plugins.update_manager import checker, service
        from plugins.update_manager.health import HEALTH_CHECK_ROLE, ROLE_ENV
        from plugins.update_manager.settings import update_settings

        update_settings(instance)  # a bad maintenance window is a start-up error
        if os.environ.get(ROLE_ENV) == HEALTH_CHECK_ROLE:
            return
        await service.recover(instance)
        instance.state[SERVER_MARKER] = service.register_server(service.paths_of(instance))
        checker.start(instance)

    @hookimpl
    async def on_shutdown(self, instance: Instance) -> None:
        from plugins.update_manager import checker

        await checker.stop(instance)
        marker = instance.state.pop(SERVER_MARKER, None)
        if marker is not None:
            marker.unlink(missing_ok=True)


module = UpdateManagerModule()
