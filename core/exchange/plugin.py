"""Data exchange as a core plugin: its tables and its GraphQL fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.exchange.models import MODELS
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl

if TYPE_CHECKING:
    from core.instance import Instance


class CoreExchangePlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def on_startup(self, instance: Instance) -> None:
        from core.exchange import jobs

        jobs.start_sweeping(instance)  # import jobs of a process that stopped go on here

    @hookimpl
    async def on_shutdown(self, instance: Instance) -> None:
        from core.exchange import jobs

        await jobs.stop(instance)

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from core.exchange.gql import ExchangeMutation, ExchangeQuery

        return GraphQLContribution(queries=[ExchangeQuery], mutations=[ExchangeMutation])
