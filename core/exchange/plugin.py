"""Data exchange as a core plugin: its tables and its GraphQL fields."""

from __future__ import annotations

from core.exchange.models import MODELS
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl


class CoreExchangePlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from core.exchange.gql import ExchangeMutation, ExchangeQuery

        return GraphQLContribution(queries=[ExchangeQuery], mutations=[ExchangeMutation])
