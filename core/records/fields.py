"""Fields a module adds to the record types of other modules (`register_record_fields`), e.g.
`tasks` on every record type when icomm is enabled, without the owning modules knowing.

Record types are strawberry classes shared by every instance of the process, so the field is
not added to the class: it is added to the GraphQL type of the one schema being built (the same
post-construction step as core/gql/resolvers.py), and an instance without the contributing
module has no trace of it. The resolver receives the record's GraphQL object (its `id` is the
record's id) and the request's context; it applies its own access rules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)

from core.errors import SchemaCompositionError
from core.gql.context import Context

Resolver = Callable[[Any, Context], Awaitable[Any]]


@dataclass(frozen=True)
class RecordField:
    """`name` on the record types (all, or those named in `record_types`), of the GraphQL type
    `returns` (a strawberry type the module contributes), a list of them with `many`."""

    name: str
    returns: type
    resolve: Resolver
    description: str
    many: bool = True
    record_types: Sequence[str] = ()


def _output_type(schema: strawberry.Schema, field: RecordField) -> GraphQLOutputType:
    definition = getattr(field.returns, "__strawberry_definition__", None)
    named = schema._schema.type_map.get(definition.name) if definition is not None else None
    if named is None:
        raise SchemaCompositionError(
            f"record field {field.name!r}: its type {field.returns!r} is not in the schema "
            "(contribute it through register_graphql)"
        )
    if field.many:
        return GraphQLNonNull(GraphQLList(GraphQLNonNull(named)))
    return named  # type: ignore[return-value]  # a named type from the schema's type map is an output type here


def _resolver(field: RecordField) -> Callable[..., Awaitable[Any]]:
    async def resolve(source: Any, info: GraphQLResolveInfo) -> Any:
        return await field.resolve(source, info.context)

    return resolve


def add_record_fields(
    schema: strawberry.Schema,
    contributed: Sequence[tuple[str, RecordField]],
    record_type_names: Sequence[str],
) -> int:
    """Add the contributed fields to the record types of `schema`; how many were added."""
    added = 0
    for plugin, field in contributed:
        if not isinstance(field, RecordField):
            raise SchemaCompositionError(
                f"{plugin!r}: register_record_fields must return RecordField"
            )
        output = _output_type(schema, field)
        for name in field.record_types or record_type_names:
            graphql_type = schema._schema.type_map.get(name)
            if not isinstance(graphql_type, GraphQLObjectType):
                continue
            if field.name in graphql_type.fields:
                raise SchemaCompositionError(
                    f"{plugin!r} adds field {field.name!r} to {name}, which has one already"
                )
            graphql_type.fields[field.name] = GraphQLField(
                output, resolve=_resolver(field), description=field.description
            )
            added += 1
    return added
