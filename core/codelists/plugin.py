"""Code lists as a core plugin: tables, the lists core ships, and the GraphQL fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.permissions import Permission
from core.codelists.builtin import core_sources
from core.codelists.models import MODELS
from core.codelists.registry import code_list_registry
from core.codelists.schema import MANAGE, CodeListMutation, CodeListQuery
from core.codelists.sources import CodeListSource
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl

if TYPE_CHECKING:
    from core.instance import Instance

PLUGIN_NAME = "core.codelists"


class CodeListsPlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [Permission(MANAGE, "Add national code-list entries and translations", ("admin",))]

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return core_sources()

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[CodeListQuery], mutations=[CodeListMutation])

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        """Collect the declarations now, so that a clash is a start-up error."""
        code_list_registry(instance)
