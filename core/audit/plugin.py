"""The audit log as a core plugin: its table and its GraphQL query."""

from __future__ import annotations

from core.audit.models import MODELS
from core.audit.schema import AuditQuery
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl


class CoreAuditPlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[AuditQuery])
