"""Accounts as a core plugin: tables, core permissions, the GraphQL API, start-up sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.models import MODELS
from core.auth.permissions import (
    CORE_PERMISSIONS,
    Permission,
    collect_permissions,
    sync_permissions,
)
from core.auth.schema import AuthMutation, AuthQuery
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl

if TYPE_CHECKING:
    from core.instance import Instance


class CoreAuthPlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return list(CORE_PERMISSIONS)

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[AuthQuery], mutations=[AuthMutation])

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        await sync_instance_permissions(instance)


async def sync_instance_permissions(instance: Instance) -> list[str]:
    """Check every declaration (a bad one is a start-up error naming the module), then insert
    new permissions with their default roles. Also run by `ncen init` and the account CLI."""
    declared = collect_permissions(instance.pm, instance.module_names)
    async with instance.db.transaction() as session:
        return await sync_permissions(session, declared)
