"""The size of a GraphQL result, estimated from the document before anything runs.

Depth and alias limits do not bound what a request returns: `links(first: 50)` nested seven
times is 15 levels deep and has no alias, yet asks for 50^7 records. As GitHub's API does, the
estimate multiplies each field's selection by the page size it asks for (`first` or `last`, else
the argument's default, else the server's maximum page), fragments and aliases included:

    cost(selection) = sum over its fields of  weight + page size x cost(field's selection)

A field's weight is 1 (one value in the response) unless the schema declares more with
`cost(weight)` in the field's metadata, for fields whose work is not their result's size (a
full-text search). A list without a page argument counts as one item: its length is bounded by
the data, and the count of list items made while the response is built (core/gql/budget.py)
catches what the estimate underrates.

As in graphql-core's field collection, a fragment spread several times at one level counts
once. The walk is iterative and summarises each fragment once, so a document of any nesting or
fragment chain within the token limit is estimated in milliseconds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

COST_KEY = "ncen.cost"  # key of a field's declared weight in its strawberry metadata
PAGE_ARGUMENTS = ("first", "last")
_META_FIELDS = {
    "__typename": TypeNameMetaFieldDef,
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
}


def cost(weight: int) -> dict[str, int]:
    """Field metadata declaring what one call of the field costs, in response values:
    `@strawberry.field(metadata=cost(2000))`."""
    if weight < 1:
        raise ValueError("a field's cost weight is at least 1")
    return {COST_KEY: weight}


def declared_weights(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """(type name, field name) -> weight, for the fields that declare one."""
    weights: dict[tuple[str, str], int] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField) and COST_KEY in (definition.metadata or {}):
                weights[(graphql_type.name, name)] = int(definition.metadata[COST_KEY])
    return weights


CACHED_DOCUMENTS = 1024
CACHED_VARIANTS = 64  # estimates kept per document, one per set of page-size variables


class CostModel:
    """The estimate for one schema: declared weights are read once, when the schema is built.

    `estimate_cached` remembers the estimate of a document text for each value of the variables
    its page arguments use (most requests repeat a few documents), so a request pays a dict
    lookup instead of a walk of its document."""

    def __init__(self, schema: GraphQLSchema, max_page_size: int) -> None:
        self.schema = schema
        self.max_page_size = max_page_size
        self.weights = declared_weights(schema)
        self._cache: OrderedDict[tuple[str, str | None], tuple[tuple[str, ...], dict[Any, int]]]
        self._cache = OrderedDict()

    def estimate_cached(
        self,
        text: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None = None,
    ) -> int:
        key = (text, operation.name.value if operation.name else None)
        entry = self._cache.get(key)
        if entry is None:
            entry = (tuple(sorted(page_variables(document))), {})
            self._cache[key] = entry
            if len(self._cache) > CACHED_DOCUMENTS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        names, estimates = entry
        given = variables or {}
        variant = tuple(_page_value(given, name) for name in names)
        found = estimates.get(variant)
        if found is None:
            found = self.estimate(document, operation, variables)
            if len(estimates) < CACHED_VARIANTS:
                estimates[variant] = found
        return found

    def estimate(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None = None,
    ) -> int:
        """Response values the operation may produce, at most (`variables` as sent)."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        given = dict(variables or {})
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in given and isinstance(definition.default_value, IntValueNode):
                given[name] = int(definition.default_value.value)
        variables = given
        own: dict[str, int] = {}
        closure: dict[str, frozenset[str]] = {}
        for name in _dependency_order(fragments):
            fragment = fragments[name]
            on = self.schema.get_type(fragment.type_condition.name.value)
            own[name], spreads = self._level(fragment.selection_set, on, own, closure, variables)
            closure[name] = frozenset({name}).union(*(closure.get(s, {s}) for s in spreads))
        root = self.schema.get_root_type(operation.operation)
        total, spreads = self._level(operation.selection_set, root, own, closure, variables)
        return total + _spread_cost(spreads, own, closure)

    def _level(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        own: Mapping[str, int],
        closure: Mapping[str, frozenset[str]],
        variables: Mapping[str, Any] | None,
    ) -> tuple[int, set[str]]:
        """The cost of the fields at this level (nested levels complete), and the fragments
        spread at this level, whose own costs the caller adds once each."""
        root = _Level(selection_set, parent, weight=0, pages=1)
        stack = [root]
        while stack:
            level = stack[-1]
            if not level.pending:
                stack.pop()
                if stack:
                    inner = level.total + _spread_cost(level.spreads, own, closure)
                    stack[-1].total += level.weight + level.pages * inner
                continue
            selections, on = level.pending[-1]
            selection = next(selections, None)
            if selection is None:
                level.pending.pop()
            elif isinstance(selection, FieldNode):
                name = selection.name.value
                field = _field(on, name)
                if field is None:  # unknown field: validation has refused the document
                    continue
                weight = self.weights.get((getattr(on, "name", ""), name), 1)
                pages = self._pages(selection, field, variables)
                if selection.selection_set is None:
                    level.total += weight * pages
                else:
                    stack.append(
                        _Level(selection.selection_set, get_named_type(field.type), weight, pages)
                    )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_type = self.schema.get_type(condition.name.value) if condition else on
                level.pending.append((iter(selection.selection_set.selections), inner_type))
            elif isinstance(selection, FragmentSpreadNode):
                level.spreads.add(selection.name.value)
        return root.total, root.spreads

    def _pages(
        self, node: FieldNode, field: GraphQLField, variables: Mapping[str, Any] | None
    ) -> int:
        """The page size the field asks for; 1 for a field without a page argument."""
        name = next((n for n in PAGE_ARGUMENTS if n in field.args), None)
        if name is None:
            return 1
        value: Any = field.args[name].default_value
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                # An absent variable leaves the argument's default, as in execution.
                value = (variables or {}).get(argument.value.name.value, value)
            else:
                value = None
        if isinstance(value, bool) or not isinstance(value, int):
            return self.max_page_size
        return max(0, min(value, self.max_page_size))


class _Level:
    """One selection set being summed, inline fragments included (they share its level)."""

    __slots__ = ("pages", "pending", "spreads", "total", "weight")

    def __init__(self, selection_set: SelectionSetNode, on: Any, weight: int, pages: int) -> None:
        self.pending: list[tuple[Iterator[Any], Any]] = [(iter(selection_set.selections), on)]
        self.weight = weight
        self.pages = pages
        self.total = 0
        self.spreads: set[str] = set()


def _spread_cost(
    spreads: set[str], own: Mapping[str, int], closure: Mapping[str, frozenset[str]]
) -> int:
    """Fragments spread at one level, and those they spread at that level in turn, each
    counted once: graphql-core collects a fragment once per level however often it is spread."""
    if not spreads:
        return 0
    names = frozenset().union(*(closure.get(s, {s}) for s in spreads))
    return sum(own.get(name, 0) for name in names)


_ABSENT = object()


def _page_value(variables: Mapping[str, Any], name: str) -> Any:
    """What of a variable's value the estimate depends on: an integer, or its absence."""
    value = variables.get(name, _ABSENT)
    if value is _ABSENT:
        return "absent"
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def page_variables(document: DocumentNode) -> set[str]:
    """Names of the variables given to a page argument anywhere in the document."""
    found: set[str] = set()
    stack = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    if argument.name.value in PAGE_ARGUMENTS and isinstance(
                        argument.value, VariableNode
                    ):
                        found.add(argument.value.name.value)
            inner = getattr(selection, "selection_set", None)  # fields and fragments have one
            if inner is not None:
                stack.append(inner)
    return found


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    meta = _META_FIELDS.get(name)
    if meta is not None:
        return meta
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        return parent.fields.get(name)
    return None


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif (inner := getattr(selection, "selection_set", None)) is not None:
                stack.append(inner)


def _dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after the fragments it spreads (iterative; a cycle or an unknown
    fragment, which validation refuses anyway, is simply cut)."""
    uses = {
        name: [s for s in _spreads(f.selection_set) if s in fragments]
        for name, f in fragments.items()
    }
    order: list[str] = []
    state: dict[str, int] = {}  # 1: in progress, 2: done
    for start in fragments:
        if start in state:
            continue
        stack = [(start, iter(uses[start]))]
        state[start] = 1
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(uses[child])))
    return order
