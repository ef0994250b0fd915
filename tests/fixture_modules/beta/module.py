"""Test module `beta`: requires alpha; no tables."""

from __future__ import annotations

import strawberry

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo


@strawberry.type
class BetaQuery:
    @strawberry.field
    def beta_ping(self) -> str:
        return "pong"


class BetaModule:
    info = ModuleInfo(name="beta", version="0.0.1", label="Beta (test)", requires=("alpha",))

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[BetaQuery])
