"""Compose the one GraphQL schema from core's and the enabled modules' contributions."""

from __future__ import annotations

from typing import Any

import pluggy
import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from core.audit.consultation import ConsultationAudit
from core.config import GraphQLSettings
from core.errors import SchemaCompositionError
from core.gql.budget import count_list_items
from core.gql.contribution import GraphQLContribution
from core.gql.entity import Entity
from core.gql.error_codes import ValidationErrorCodes
from core.gql.inputs import SCALAR_OVERRIDES, limit_list_inputs
from core.gql.pipeline import NcenSchema
from core.gql.precompleted import NcenExecutionContext
from core.gql.resolvers import direct_attribute_resolvers, mark_node_ids, mark_pure_methods
from core.gql.security import security_extensions
from core.plugins import collect
from core.records.declaration import RecordType
from core.records.fields import add_record_fields
from core.records.gql import Record
from core.records.mutations import record_mutations
from core.records.registry import build_registry


def _type_name(cls: type) -> str:
    definition = getattr(cls, "__strawberry_definition__", None)
    if definition is None:
        raise SchemaCompositionError(f"{cls.__qualname__} is not a strawberry type")
    return definition.name


def _check_unique_fields(kind: str, types: list[tuple[str, type]]) -> None:
    owners: dict[str, str] = {}
    for plugin, cls in types:
        for field in get_object_definition(cls, strict=True).fields:
            if field.name in owners:
                raise SchemaCompositionError(
                    f"{kind} field {field.name!r} is contributed by both "
                    f"{owners[field.name]!r} and {plugin!r}"
                )
            owners[field.name] = plugin


def _check_unique_types(types: list[tuple[str, type]]) -> None:
    owners: dict[str, tuple[str, type]] = {}
    for plugin, cls in types:
        name = _type_name(cls)
        if name in owners and owners[name][1] is not cls:
            raise SchemaCompositionError(
                f"GraphQL type {name!r} is contributed by both {owners[name][0]!r} and {plugin!r}"
            )
        owners[name] = (plugin, cls)


def _record_types(pm: pluggy.PluginManager) -> list[tuple[str, RecordType[Any, Any]]]:
    registry = build_registry(pm)
    return [(registry.plugin_of[rt.name], rt) for rt in registry]


def build_schema(pm: pluggy.PluginManager, settings: GraphQLSettings) -> strawberry.Schema:
    queries: list[tuple[str, type]] = []
    mutations: list[tuple[str, type]] = []
    types: list[tuple[str, type]] = []
    for plugin, contribution in collect(pm, "register_graphql"):
        if not isinstance(contribution, GraphQLContribution):
            raise SchemaCompositionError(
                f"{plugin!r}: register_graphql must return a GraphQLContribution"
            )
        queries += [(plugin, cls) for cls in contribution.queries]
        mutations += [(plugin, cls) for cls in contribution.mutations]
        types += [(plugin, cls) for cls in contribution.types]
    for plugin, record_type in _record_types(pm):
        mutations.append((plugin, record_mutations(record_type)))
        types.append((plugin, record_type.output_type))
    _check_unique_fields("Query", queries)
    _check_unique_fields("Mutation", mutations)
    _check_unique_types(queries + mutations + types)

    query = merge_types("Query", tuple(cls for _, cls in queries))
    mutation = merge_types("Mutation", tuple(cls for _, cls in mutations)) if mutations else None
    try:
        schema = NcenSchema(
            query=query,
            mutation=mutation,
            types=[Entity, Record, *(cls for _, cls in types)],
            extensions=[*security_extensions(settings), ValidationErrorCodes, ConsultationAudit],
            config=StrawberryConfig(relay_max_results=settings.max_page_size),
            scalar_overrides=SCALAR_OVERRIDES,
            execution_context_class=NcenExecutionContext,
            settings=settings,
        )
    except Exception as exc:  # strawberry reports clashes of nested types here
        raise SchemaCompositionError(f"the combined schema cannot be built: {exc}") from exc
    add_record_fields(
        schema,
        [(p, f) for p, fields in collect(pm, "register_record_fields") for f in fields],
        [_type_name(rt.output_type) for _, rt in _record_types(pm)],
    )
    direct_attribute_resolvers(schema)
    mark_node_ids(schema)
    mark_pure_methods(schema)
    count_list_items(schema)  # after: it wraps the resolvers the line above installs
    limit_list_inputs(schema, settings.max_list_items)
    return schema
