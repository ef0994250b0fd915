"""Fields that core adds to every schema, whatever modules are enabled."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

import core
from core.auth.guard import public, signed_in
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.errors import InputError
from core.hookspecs import hookimpl
from core.plugins import resolve


@strawberry.type(name="Module", description="An enabled module of this instance.")
class ModuleType:
    name: str
    version: str
    label: str
    requires: list[str]


@strawberry.type(description="Liveness of the instance.")
class Health:
    ok: bool
    version: str
    country: str


@strawberry.type
class CoreQuery:
    # A plain resolver rather than `relay.node()`, whose field extension mutates the shared field
    # and so cannot serve two schemas (instances) in one process. The id is taken as a plain
    # `ID` (the same SDL as `GlobalID`) and decoded here, so that a malformed id is the client's
    # INVALID_INPUT error rather than a masked internal one.
    @strawberry.field(
        description=(
            "Any record by its global id; null when it does not exist, is not visible, or names "
            "a type that is not a record type. A malformed id is an INVALID_INPUT error; "
            "without a credential, UNAUTHENTICATED."
        ),
        # Every record is protected: each type's resolve_nodes returns null for what the caller
        # may not see, and an anonymous caller is told to sign in rather than given null.
        extensions=[signed_in()],
    )
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = relay.GlobalID.from_id(id)
        except relay.GlobalIDValueError:
            raise InputError("not a valid global id", field="id") from None
        definition = info.schema.get_type_by_name(global_id.type_name)
        origin = getattr(definition, "origin", None)
        if (
            not isinstance(definition, StrawberryObjectDefinition)
            or definition.is_interface
            or not (isinstance(origin, type) and issubclass(origin, relay.Node))
        ):
            return None
        return await resolve(origin.resolve_node(global_id.node_id, info=info, required=False))

    @strawberry.field(
        description="The modules enabled on this instance, in dependency order.",
        extensions=[public()],
    )
    def modules(self, info: Info[Context, None]) -> list[ModuleType]:
        return [
            ModuleType(name=m.name, version=m.version, label=m.label, requires=list(m.requires))
            for m in info.context.instance.modules
        ]

    @strawberry.field(
        description="Cheap liveness check; readiness is served at /readyz.", extensions=[public()]
    )
    def health(self, info: Info[Context, None]) -> Health:
        instance = info.context.instance
        return Health(ok=True, version=core.__version__, country=instance.config.country)


class CoreGraphQLPlugin:
    """Core's own contribution, registered through the same hook as modules."""

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[CoreQuery])
