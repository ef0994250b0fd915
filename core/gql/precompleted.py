"""Values completed in one pass instead of graphql-core's value-by-value completion.

graphql-core completes each value served through several generic steps (collect the fields of
the selection, build a resolve info, call the resolver, check for awaitables, complete by type):
about 4 us per value, most of a list page's CPU. Two shortcuts, both through the execution
context's `complete_value` (`NcenExecutionContext`):

- **Plans** (`plan`): a selection made only of scalars, enums, objects and interfaces whose
  fields are read from attributes (core/gql/resolvers.py), relay node ids resolved the default
  way, methods of the object alone declared `pure` (core/gql/resolvers.py: `entityType`,
  `module`), or audited free text declared with `audited()` (core/audit/consultation.py) — no
  arguments or directives; inline fragments are flattened as graphql-core collects them — is
  compiled once per document node into nested closures that build the response directly. A
  value of an interface type is completed by the plan of its own object type, chosen by its
  exact Python class (what strawberry's default `resolve_type` answers for it); a value of
  another class, or cast, makes the plan give up. List fields call their resolvers, which count their items against the
  request's budget (core/gql/budget.py), and audited fields note their consultations, as the
  field-by-field path does. A value a plan cannot complete as graphql-core would (a null where
  the schema promises a value, a value a scalar refuses, an object of another type, an
  exception) makes it give up (`ABORT`) and graphql-core completes that value, errors and all.
- **Completed values**: a resolver may return `Completed` items already in their response shape
  (reference data built once per list, language and selection: `plain_selection`,
  `complete_items`); they are passed through as they are.

Both change speed, never the response: tests/test_gql_precompleted.py compares them with plain
graphql-core, and tests/test_codelist_cache.py the code lists.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)
from strawberry.relay import GlobalID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from core.audit.consultation import AUDITED, note_consultations
from core.gql.budget import CURRENT as CURRENT_BUDGET
from core.internals import raw_info, type_cast_of

# The attribute a resolver of core/gql/resolvers.py reads, kept on the resolver.
ATTRIBUTE = "ncen_attribute"
# On the resolver of a relay node's `id` resolved the default way: (node class, id attribute).
NODE_ID = "ncen_node_id"
# On the resolver of a field served by a `pure` method (core/gql/resolvers.py): the function.
METHOD = "ncen_method"

# (response key, attribute or None for __typename, scalar type or the type name, non-null)
Plain = tuple[tuple[str, str | None, Any, bool], ...]


class Completed(list[Any]):
    """List items already in their response shape (dicts of serialized values)."""


class NcenExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, passing `Completed` values through as they are, and
    completing a value whose whole selection is plain (`plan`) in one pass."""

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
        if result is not None and len(field_details_list) == 1:
            found = plan(return_type, field_details_list[0].node, self.schema)
            if found is not None:
                budget = CURRENT_BUDGET.get()
                counted = budget.items if budget is not None else 0
                token = _CONTEXT.set(info.context)
                try:
                    completed = found(result)
                except Exception:  # graphql-core reports it, located: let it
                    completed = ABORT
                finally:
                    _CONTEXT.reset(token)
                if completed is not ABORT:
                    return completed
                if budget is not None:  # graphql-core counts the lists again
                    budget.items = counted
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )


# --- plans ------------------------------------------------------------------------------------

ABORT: Any = object()
# The request's context while a plan runs (audited fields note their consultations there).
_CONTEXT: contextvars.ContextVar[Any] = contextvars.ContextVar("ncen_plan_context")


Compiled = Callable[[Any], Any]
_PLANS: dict[tuple[int, int], tuple[Any, Any, Compiled | None]] = {}
MAX_PLANS = 4096


def plan(return_type: Any, node: FieldNode, schema: GraphQLSchema) -> Compiled | None:
    """The one-pass completion of values of `return_type` selected by `node`, or None."""
    key = (id(node), id(return_type))
    found = _PLANS.get(key)
    if found is not None and found[0] is node and found[1] is return_type:
        return found[2]
    named = return_type
    while isinstance(named, (GraphQLNonNull, GraphQLList)):
        named = named.of_type
    compiled = (
        _compile(return_type, node.selection_set, schema)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
        else None
    )
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = (node, return_type, compiled)
    return compiled


def _is_attribute(resolve: Any) -> bool:
    """A resolver that reads an attribute (directly, or counting the items of a list)."""
    if getattr(resolve, ATTRIBUTE, None) is not None:
        return True
    return getattr(getattr(resolve, "__wrapped__", None), ATTRIBUTE, None) is not None


def _compile(
    graphql_type: Any, selection_set: SelectionSetNode | None, schema: GraphQLSchema
) -> Compiled | None:
    if isinstance(graphql_type, GraphQLNonNull):
        inner = _compile(graphql_type.of_type, selection_set, schema)
        if inner is None:
            return None

        def non_null(value: Any) -> Any:
            return ABORT if value is None else inner(value)

        return non_null
    if isinstance(graphql_type, GraphQLList):
        item = _compile(graphql_type.of_type, selection_set, schema)
        if item is None:
            return None

        def items(value: Any) -> Any:
            if value is None:
                return None
            kind = type(value)  # lists and tuples first: the ABC checks cost more than a page
            if (
                kind is not list
                and kind is not tuple
                and (isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable))
            ):
                return ABORT
            completed = []
            for element in value:
                done = item(element)
                if done is ABORT:
                    return ABORT
                completed.append(done)
            return completed

        return items
    if isinstance(graphql_type, (GraphQLScalarType, GraphQLEnumType)):
        if selection_set is not None:
            return None
        coerce = graphql_type.coerce_output_value
        members = getattr(graphql_type, "wrapped_cls", None)
        if isinstance(graphql_type, GraphQLEnumType) and isinstance(members, type):
            return _enum_leaf(coerce, members)

        if graphql_type is GraphQLString:  # graphql-core serves a str as it is

            def text(value: Any) -> Any:
                if value is None or type(value) is str:
                    return value
                coerced = coerce(value)
                return ABORT if coerced is None or coerced is Undefined else coerced

            return text

        def leaf(value: Any) -> Any:
            if value is None:
                return None
            coerced = coerce(value)
            return ABORT if coerced is None or coerced is Undefined else coerced

        return leaf
    if isinstance(graphql_type, GraphQLObjectType) and selection_set is not None:
        return _compile_object(graphql_type, selection_set, schema)
    if isinstance(graphql_type, GraphQLInterfaceType) and selection_set is not None:
        return _compile_interface(graphql_type, selection_set, schema)
    return None


def _enum_leaf(coerce: Callable[[Any], Any], members: type) -> Compiled:
    """A strawberry enum's values: its members' names, found once per member (strawberry
    compares the member's value with each value of the type, at each value served)."""
    names: dict[Any, Any] = {}

    def leaf(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is members:
            found = names.get(value)
            if found is not None:
                return found
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            return ABORT
        if type(value) is members:
            names[value] = coerced
        return coerced

    return leaf


def _compile_interface(
    interface: GraphQLInterfaceType, selection_set: SelectionSetNode, schema: GraphQLSchema
) -> Compiled | None:
    """Values of an interface type, each completed by the plan of its object type, found by its
    exact class: what strawberry's default `resolve_type` answers for an instance of a type's
    own class that is not cast. A value of any other class makes the plan give up."""
    definition = (interface.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or getattr(definition, "resolve_type", None) is not None:
        return None  # an interface that resolves its types itself
    by_class: dict[type, Compiled | None] = {}
    for object_type in schema.get_possible_types(interface):
        found = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        origin = getattr(found, "origin", None)
        if not isinstance(origin, type) or getattr(found, "is_graphql_generic", True):
            continue
        by_class[origin] = _compile_object(object_type, selection_set, schema)
    if not any(by_class.values()):
        return None

    def complete(value: Any) -> Any:
        if value is None:
            return None
        compiled = by_class.get(type(value))
        if compiled is None or type_cast_of(value) is not None:
            return ABORT
        return compiled(value)

    return complete


def _fields_of(
    object_type: GraphQLObjectType, selection_set: SelectionSetNode, schema: GraphQLSchema
) -> list[FieldNode] | None:
    """The field nodes selected on `object_type`, inline fragments flattened in document order
    as graphql-core collects them (a fragment whose type condition `object_type` does not meet
    is left out); None when a selection has directives or is a named fragment."""
    found: list[FieldNode] = []
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            found.append(node)
            continue
        if not isinstance(node, InlineFragmentNode) or node.directives:
            return None
        condition = node.type_condition
        if condition is not None and condition.name.value != object_type.name:
            condition_type = schema.get_type(condition.name.value)
            if not isinstance(condition_type, GraphQLInterfaceType):
                if condition_type is None or isinstance(condition_type, GraphQLObjectType):
                    continue  # another object type: never met
                return None  # a union: left to graphql-core
            if not schema.is_sub_type(condition_type, object_type):
                continue
        inner = _fields_of(object_type, node.selection_set, schema)
        if inner is None:
            return None
        found.extend(inner)
    return found


def _audited(field: Any) -> tuple[str, str, str] | None:
    """(entity type, value attribute, id attribute) of a field declared `audited` with no
    other extension (core/audit/consultation.py)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or getattr(definition, "extensions", None):
        return None
    found = (getattr(definition, "metadata", None) or {}).get(AUDITED)
    return (found[0], found[1], found[2]) if found else None


def _audited_value(entity_type: str, value: str, id_attribute: str) -> Callable[..., Any]:
    """The resolver of an audited field, reading the request's context from the plan's run."""

    def resolve(source: Any, _info: Any) -> Any:
        found = getattr(source, value)
        if found:
            note_consultations(_CONTEXT.get(), entity_type, [getattr(source, id_attribute)])
        return found

    return resolve


def _global_id(type_name: str, node_class: type, attribute: str) -> Callable[..., Any]:
    """Strawberry's `Node.id` for a node of exactly `node_class` whose id and type name are
    resolved the default way (the type's name, the `NodeID` attribute): any other object makes
    the plan give up, for strawberry to resolve."""

    def resolve(source: Any, _info: Any) -> Any:
        if type(source) is not node_class:
            raise TypeError("not a plain node")
        return GlobalID(type_name=type_name, node_id=str(getattr(source, attribute)))

    return resolve


def _method(function: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return function(source)

    return resolve


def _compile_object(
    object_type: GraphQLObjectType, selection_set: SelectionSetNode, schema: GraphQLSchema
) -> Compiled | None:
    fields: list[tuple[str, Any, Any]] = []
    nodes = _fields_of(object_type, selection_set, schema)
    if nodes is None:
        return None
    for node in nodes:
        if node.arguments or node.directives:
            return None
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            if node.selection_set is not None:
                return None
            fields.append((key, None, object_type.name))
            continue
        field = object_type.fields.get(node.name.value)
        if field is None:
            return None
        node_id = getattr(field.resolve, NODE_ID, None)
        method = getattr(field.resolve, METHOD, None)
        audit = _audited(field)
        if node_id:
            resolve = _global_id(object_type.name, *node_id)
        elif method is not None:
            resolve = _method(method)
        elif audit:
            resolve = _audited_value(*audit)
        elif _is_attribute(field.resolve):
            resolve = field.resolve
        else:
            return None
        sub = _compile(field.type, node.selection_set, schema)
        if sub is None:
            return None
        fields.append((key, resolve, sub))
    if len({key for key, *_ in fields}) != len(fields):
        return None  # the same key twice: merged by graphql-core's rules
    is_type_of = object_type.is_type_of

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if is_type_of is not None and not is_type_of(value, None):  # type: ignore[arg-type]  # strawberry's check reads no info
            return ABORT
        completed: dict[str, Any] = {}
        for key, resolve, sub in fields:
            if resolve is None:
                completed[key] = sub
                continue
            done = sub(resolve(value, None))
            if done is ABORT:
                return ABORT
            completed[key] = done
        return completed

    return complete


def plain_selection(info: Any, item_type: GraphQLObjectType) -> Plain | None:
    """The selection of the field being resolved, as (response key, attribute, scalar,
    non-null) per selected field of its `item_type` items, when every selected field is a
    scalar read from an attribute with no argument or directive; None otherwise."""
    raw = raw_info(info)
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
