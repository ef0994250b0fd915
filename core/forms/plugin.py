"""Form schemas as a core plugin: the `formSchema` query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.forms.registry import form_registry
from core.forms.schema import FormQuery
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl

if TYPE_CHECKING:
    from core.instance import Instance

PLUGIN_NAME = "core.forms"


class FormsPlugin:
    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[FormQuery])

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        """Collect the declarations now, so that a clash is a start-up error."""
        form_registry(instance)
