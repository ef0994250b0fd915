"""Plain attribute fields resolved by one `getattr`, not through strawberry's per-field wrapper.

Strawberry resolves a field that has no resolver and no extensions (a "basic" field) through
`_get_basic_result` -> `StrawberryField.get_result` -> `config.default_resolver(source,
python_name)`: three Python calls and two property reads per value served. A list of 1,000
seizures serves ~45,000 such values; one closure per field doing the `getattr` itself takes
~7% off that request (bench/list_bench.py, CPU of the server). graphql-core's own default
resolver cannot stand in: it reads the GraphQL name (`seizureDate`), not the Python attribute.

The replacement is made only where the result is the same by construction: basic fields of
object types, with strawberry's default resolver (`getattr`). Anything else keeps strawberry's
resolver; if strawberry renames its internals, nothing is replaced and nothing changes but speed
(a test notices).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLField, GraphQLFieldResolver, GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from core.gql.precompleted import ATTRIBUTE, METHOD, NODE_ID
from core.internals import graphql_core_schema, is_basic_resolver

PURE = "ncen_pure"
F = TypeVar("F", bound=Callable[..., Any])


def pure(method: F) -> F:
    """Declare a field's resolver method a pure function of the object alone (no `info`, no
    arguments, synchronous, no side effect, nothing raised for an object of its type), so that
    core/gql/precompleted.py may call it directly when it completes a plan. Put it under
    `@strawberry.field`."""
    setattr(method, PURE, True)
    return method


def mark_pure_methods(schema: strawberry.Schema) -> int:
    """Tell core/gql/precompleted.py which fields are served by a `pure` method with nothing
    around it (no field extension or permission class), by noting the function on the field's
    resolver; how many were marked."""
    marked = 0
    for field, definition in _object_fields(schema):
        resolver = getattr(definition, "base_resolver", None)
        function = getattr(resolver, "wrapped_func", None)
        if (
            field.resolve is None
            or not getattr(function, PURE, False)
            or not isinstance(definition, StrawberryField)
            or definition.extensions
            or definition.permission_classes
            or resolver.is_async  # type: ignore[union-attr]  # a StrawberryResolver here
        ):
            continue
        setattr(field.resolve, METHOD, function)
        marked += 1
    return marked


def direct_attribute_resolvers(schema: strawberry.Schema) -> int:
    """Give every basic field of `schema` a direct `getattr` resolver; how many were given."""
    if schema.config.default_resolver is not getattr:
        return 0
    replaced = 0
    for field, definition in _object_fields(schema):
        if (
            is_basic_resolver(field.resolve)
            and isinstance(definition, StrawberryField)
            and definition.is_basic_field
        ):
            field.resolve = _attribute(definition.python_name)
            replaced += 1
    return replaced


def _object_fields(schema: strawberry.Schema) -> Iterator[tuple[GraphQLField, Any]]:
    """Every field of the schema's object types, with the strawberry field it was made from."""
    for graphql_type in graphql_core_schema(schema).type_map.values():
        if isinstance(graphql_type, GraphQLObjectType):
            for field in graphql_type.fields.values():
                backref = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
                yield field, backref


def _attribute(name: str) -> GraphQLFieldResolver:
    def resolve(source: Any, _info: GraphQLResolveInfo, **_args: Any) -> Any:
        return getattr(source, name)

    setattr(resolve, ATTRIBUTE, name)  # what it reads, for core/gql/precompleted.py
    return resolve


def mark_node_ids(schema: strawberry.Schema) -> int:
    """Tell core/gql/precompleted.py which `id` fields of relay node types are resolved the
    default way (the global id of the type's name and the `NodeID` attribute), by noting the
    attribute on the field's resolver; how many were marked."""
    marked = 0
    for graphql_type in graphql_core_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or "id" not in graphql_type.fields:
            continue
        definition = getattr(graphql_type, "extensions", {}).get(
            GraphQLCoreConverter.DEFINITION_BACKREF
        )
        origin = getattr(definition, "origin", None)
        if not (
            isinstance(origin, type)
            and issubclass(origin, relay.Node)
            and origin.resolve_id.__func__ is relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
            and origin.resolve_typename.__func__ is relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
        ):
            continue
        resolve = graphql_type.fields["id"].resolve
        if resolve is not None:
            setattr(resolve, NODE_ID, (origin, origin.resolve_id_attr()))
            marked += 1
    return marked
