"""Lists served in their response shape, built once and shared by the requests that ask for
the same thing (reference data: the entries of a code list).

graphql-core completes a list item by item and field by field: about 4 µs per value, so the
250 countries of a code list with `{ code label }` cost ~2 ms of CPU per request although the
entries themselves come from memory. When a field's selection is a flat set of scalar fields
served by plain attributes (`plain_selection`), its resolver may return `Completed` items built
from that selection (`complete_items`) and cache them with the data; the executor
(`NcenExecutionContext`) passes such a value through as it is.

Anything else (arguments, directives, fragments, nested selections, a field computed by a
resolver, a null where the schema promises a value) is refused by `plain_selection` or
`complete_items`, and the resolver returns its objects for graphql-core to complete as usual:
the shortcut changes speed, never the response.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# The attribute a resolver of core/gql/resolvers.py reads, kept on the resolver.
ATTRIBUTE = "ncen_attribute"

# (response key, attribute or None for __typename, scalar type or the type name, non-null)
Plain = tuple[tuple[str, str | None, Any, bool], ...]


class Completed(list[Any]):
    """List items already in their response shape (dicts of serialized values)."""


class NcenExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, passing `Completed` values through as they are."""

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Completed:
            return result
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )


def _raw(info: Any) -> GraphQLResolveInfo:
    return getattr(info, "_raw_info", info)


def plain_selection(info: Any, item_type: GraphQLObjectType) -> Plain | None:
    """The selection of the field being resolved, as (response key, attribute, scalar,
    non-null) per selected field of its `item_type` items, when every selected field is a
    scalar read from an attribute with no argument or directive; None otherwise."""
    raw = _raw(info)
    if len(raw.field_nodes) != 1:
        return None
    selection_set = raw.field_nodes[0].selection_set
    if selection_set is None:
        return None
    plain: list[tuple[str, str | None, Any, bool]] = []
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.arguments or node.directives:
            return None
        if node.selection_set is not None:
            return None
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            plain.append((key, None, item_type.name, True))
            continue
        field = item_type.fields.get(node.name.value)
        attribute = getattr(getattr(field, "resolve", None), ATTRIBUTE, None)
        if field is None or attribute is None:
            return None
        field_type = field.type
        non_null = isinstance(field_type, GraphQLNonNull)
        scalar = field_type.of_type if non_null else field_type
        if not isinstance(scalar, GraphQLScalarType):
            return None
        plain.append((key, attribute, scalar, non_null))
    keys = [key for key, *_ in plain]
    if len(set(keys)) != len(keys):  # the same key twice: merged by graphql-core's rules
        return None
    return tuple(plain)


def complete_items(items: Iterable[Any], plain: Plain) -> Completed | None:
    """`items` in their response shape for `plain`; None when a non-null field holds null
    (graphql-core reports that as an error: let it)."""
    completed = Completed()
    for item in items:
        value: dict[str, Any] = {}
        for key, attribute, scalar, non_null in plain:
            if attribute is None:
                value[key] = scalar
                continue
            found = getattr(item, attribute)
            if found is None:
                if non_null:
                    return None
                value[key] = None
                continue
            try:
                coerced = scalar.coerce_output_value(found)
            except Exception:  # graphql-core makes it a field error: let it
                return None
            if coerced is None or coerced is Undefined:
                return None
            value[key] = coerced
        completed.append(value)
    return completed
