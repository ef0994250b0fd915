"""Links as a core plugin: the table and the `link`/`unlink` mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.permissions import Permission
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.links.models import MODELS
from core.links.registry import link_registry
from core.links.schema import WRITE, LinkMutation, LinkNode

if TYPE_CHECKING:
    from core.instance import Instance

PLUGIN_NAME = "core.links"


class LinksPlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [Permission(WRITE, "Link records and remove links", ("officer", "validator"))]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(mutations=[LinkMutation], types=[LinkNode])

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        """Collect the declarations now, so that a clash is a start-up error."""
        link_registry(instance)
