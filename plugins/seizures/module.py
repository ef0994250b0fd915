"""The seizures module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

if TYPE_CHECKING:
    from core.instance import Instance


class SeizuresModule:
    info = ModuleInfo(
        name="seizures",
        version="0.1.0",
        label="Seizures and offences",
        description="The principal database of seizures and offences.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.seizures.models import MODELS

        return MODELS

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.seizures.queries import SeizureQuery
        from plugins.seizures.types import Seizure

        return GraphQLContribution(queries=[SeizureQuery], types=[Seizure])

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        from plugins.seizures import demo

        async with instance.db.transaction() as session:
            await demo.load(session, instance.config.country, size)


module = SeizuresModule()
