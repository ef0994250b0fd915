"""Schema extensions that protect the server from hostile documents and hide internals.

`NcenSchema.execute` (core/gql/pipeline.py) runs these steps as plain calls, in this order, for
every request over HTTP; the extensions themselves serve strawberry's other paths.

What each request goes through, in order:

1. Parsing with a token budget and a source-length cap: graphql-core's lexer stops at the first
   token over the budget, so a huge document costs no more than a small one (`TOO_MANY_TOKENS`).
2. Validation with our own depth and alias rules (`QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`).
   Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` re-walk a fragment each time it is
   spread, so a chain of fragments each spreading the next twice costs 2^n steps (measured:
   20 s for 22 fragments); ours summarise each fragment once, count a fragment's aliases every
   time it is spread, survive cycles and unknown fragments (graphql-core's own rules report
   those), and count introspection fields like any other.
3. Introspection refused when switched off, or for anonymous callers unless switched on for
   them (`INTROSPECTION_DISABLED`).
4. Before execution: a document of several operations must name the one to run
   (`OPERATION_NAME_REQUIRED`), and the estimated size of the result must be within `max_cost`
   (`QUERY_TOO_COSTLY`, core/gql/cost.py); the estimate of an accepted request is reported in
   the response's `extensions.cost`.
5. During execution: the time and list-item budget of core/gql/budget.py.
6. Masking: an error whose cause is not an `ApiError` reaches the client as
   "Internal server error", and is logged here with its traceback.

The rule classes are built once per schema, not per request: strawberry's validation cache is
keyed on the rule classes, so per-request classes would make every lookup a miss (anonymous
callers add one more rule class, so a document has at most two cache entries).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from core.config import GraphQLSettings
from core.gql.budget import CURRENT as CURRENT_BUDGET
from core.gql.cost import CostModel
from core.gql.error_codes import INTERNAL_SERVER_ERROR
from core.gql.errors import ApiError
from core.gql.inputs import TextLiteralRule

log = logging.getLogger("ncen.graphql")

MASKED_MESSAGE = "Internal server error"
# Code points a document may have, per token of budget: generous for string literals, yet a
# megabyte-long document is refused before the lexer even starts.
SOURCE_CHARS_PER_TOKEN = 64
CACHE_SIZE = 1024

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
INTERNAL_ERROR = INTERNAL_SERVER_ERROR
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
OPERATION_NAME_REQUIRED = "OPERATION_NAME_REQUIRED"

# Whether the client named the operation to run: strawberry's execution context reports the
# first operation's name when none was given, so the schema's `execute` notes it here.
OPERATION_NAMED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ncen_operation_named", default=False
)


def should_mask(error: GraphQLError) -> bool:
    """Mask every error raised by code, except the ones raised on purpose for the client.

    Kept: `ApiError` (ours), and `GraphQLError` causes, which graphql-core and strawberry use
    for the client's own mistakes (a variable of the wrong type or missing, a malformed scalar
    value); their messages speak of the client's input and of the public schema only. Module
    code should raise `ApiError` subclasses, never a bare GraphQLError.
    """
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


def masked(error: GraphQLError) -> GraphQLError:
    """The client's view of an internal error: where it happened, nothing of what happened."""
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL_ERROR},
    )


# --- document cost: depth and aliases, with each fragment summarised once ---------------------


@dataclass(frozen=True)
class _Walk:
    """One selection set walked without entering fragments: what it holds on its own, and
    the spreads it makes (fragment name, field depth at the spread)."""

    depth: int
    aliases: int
    spreads: tuple[tuple[str, int], ...]


def _walk(selection_set: SelectionSetNode) -> _Walk:
    """Iterative, so a deeply nested document cannot exhaust Python's stack here."""
    depth = aliases = 0
    spreads: list[tuple[str, int]] = []
    stack: list[tuple[SelectionSetNode, int]] = [(selection_set, 0)]
    while stack:
        current, level = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.selection_set is not None:
                    depth = max(depth, level + 1)
                    stack.append((selection.selection_set, level + 1))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, level))
            elif isinstance(selection, FragmentSpreadNode):
                spreads.append((selection.name.value, level))
    return _Walk(depth, aliases, tuple(spreads))


@dataclass(frozen=True)
class Cost:
    """Depth: nested fields with a selection set on the deepest path (`{ a { b } }` is 1,
    as in strawberry's limiter). Aliases: every spread of a fragment counts its aliases again."""

    depth: int
    aliases: int


def document_costs(
    operations: list[OperationDefinitionNode], fragments: dict[str, FragmentDefinitionNode]
) -> list[Cost]:
    """The cost of each operation, in time linear in the document's size.

    A fragment that is unknown or part of a cycle counts as empty: graphql-core's
    KnownFragmentNames and NoFragmentCycles rules report those documents anyway.
    """
    walks = {name: _walk(fragment.selection_set) for name, fragment in fragments.items()}
    summary: dict[str, Cost] = {}
    in_progress: set[str] = set()

    def fragment_cost(root: str) -> Cost:
        # Depth-first over fragment spreads with an explicit stack (chains may be long).
        stack = [root]
        while stack:
            name = stack[-1]
            if name in summary:
                stack.pop()
                continue
            walk = walks[name]
            pending = [
                spread
                for spread, _ in walk.spreads
                if spread in walks and spread not in summary and spread not in in_progress
            ]
            if pending and name not in in_progress:
                in_progress.add(name)
                stack.extend(pending)
                continue
            in_progress.discard(name)
            summary[name] = _combine(walk, summary)
            stack.pop()
        return summary[root]

    for name in walks:
        fragment_cost(name)
    return [_combine(_walk(operation.selection_set), summary) for operation in operations]


def _combine(walk: _Walk, summary: dict[str, Cost]) -> Cost:
    depth, aliases = walk.depth, walk.aliases
    for name, level in walk.spreads:
        cost = summary.get(name)  # absent: unknown, or a cycle back to a fragment in progress
        if cost is not None:
            depth = max(depth, level + cost.depth)
            aliases += cost.aliases
    return Cost(depth, aliases)


def cost_rule(max_depth: int, max_aliases: int) -> type[ASTValidationRule]:
    """A validation rule refusing operations deeper than `max_depth` or with more aliases
    than `max_aliases` once fragments are expanded."""

    class DocumentCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for operation, cost in zip(
                operations, document_costs(operations, fragments), strict=True
            ):
                name = f"'{operation.name.value}'" if operation.name else "The operation"
                if cost.depth > max_depth:
                    context.report_error(
                        GraphQLError(
                            f"{name} is {cost.depth} levels deep; the maximum is {max_depth}.",
                            operation,
                            extensions={"code": QUERY_TOO_DEEP},
                        )
                    )
                if cost.aliases > max_aliases:
                    count = f"{cost.aliases:,}" if cost.aliases < 10**9 else "over a billion"
                    context.report_error(
                        GraphQLError(
                            f"{name} uses {count} aliases once fragments are expanded; "
                            f"the maximum is {max_aliases}.",
                            operation,
                            extensions={"code": TOO_MANY_ALIASES},
                        )
                    )

    return DocumentCostRule


class NoIntrospectionRule(ValidationRule):
    """Refuse `__schema` and `__type` (graphql-core's rule, with an error code)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    "GraphQL introspection is disabled on this instance.",
                    node,
                    extensions={"code": INTROSPECTION_DISABLED},
                )
            )


# --- extensions ---------------------------------------------------------------------------------


class MaskInternalErrors(MaskErrors):
    """Strawberry's masking, with the same message and code as `masked`."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)


class ParseLimits(SchemaExtension):
    """Hand graphql-core's parser its token budget and source-length cap."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        # graphql-core's parser takes these; strawberry's ParseOptions type lists fewer.
        options = cast(dict[str, Any], self.execution_context.parse_options)
        options.update(
            max_tokens=self.max_tokens,
            max_source_length=self.max_tokens * SOURCE_CHARS_PER_TOKEN,
        )
        yield


class IntrospectionFor(SchemaExtension):
    """Introspection for signed-in callers only, unless switched on for anonymous ones too.

    Added to the validation rules of anonymous requests only, so the validation cache keeps
    one entry per document and kind of caller."""

    def __init__(self, settings: GraphQLSettings) -> None:
        self.refuse_anonymous = refuses_anonymous_introspection(settings)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        principal = getattr(context, "principal", None)
        if self.refuse_anonymous and not getattr(principal, "is_authenticated", False):
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoIntrospectionRule,
            )
        yield


def _refusal(message: str, node: Any, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions=extensions)


def cost_refusal(
    model: CostModel,
    max_cost: int,
    document: DocumentNode,
    query: str | None,
    named: bool,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> tuple[int | None, GraphQLError | None]:
    """(estimated cost, refusal or None) of running `operation_name` of `document`: a document
    of several operations must name the one to run (`named`: the client gave a name), and its
    estimated cost must be within `max_cost`."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1 and not named:
        return None, _refusal(
            "the document holds several operations: name the one to run in operationName",
            operations[1],
            code=OPERATION_NAME_REQUIRED,
        )
    operation = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    if operation is None:  # an unknown operationName: graphql-core reports it
        return None, None
    cost = (
        model.estimate_cached(query, document, operation, variables)
        if query
        else model.estimate(document, operation, variables)
    )
    if cost > max_cost:
        shown = f"{cost:,}" if cost < 10**15 else "over 10^15"
        return cost, _refusal(
            f"this request may return about {shown} values; the limit is "
            f"{max_cost:,}. Ask for smaller pages (first) or fewer nested lists.",
            operation,
            code=QUERY_TOO_COSTLY,
            cost=min(cost, 2**53),
            maxCost=max_cost,
        )
    return cost, None


def cost_results(cost: int | None, max_cost: int) -> dict[str, Any]:
    """The response's `extensions` for an accepted request's estimate."""
    if cost is None or cost > max_cost:
        return {}
    return {"cost": {"estimated": cost, "limit": max_cost}}


class RequestCost(SchemaExtension):
    """Before execution: the operation to run must be named when the document has several,
    and its estimated cost must be within `max_cost`; a query's time budget starts here."""

    def __init__(self, settings: GraphQLSettings) -> None:
        self.max_cost = settings.max_cost
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refusal = self._refusal(context)
        if refusal is not None:
            context.result = ExecutionResult(data=None, errors=[refusal])
        else:
            budget = CURRENT_BUDGET.get()
            if budget is not None and context.operation_type == OperationType.QUERY:
                budget.start_clock()
        yield

    def _refusal(self, context: ExecutionContext) -> GraphQLError | None:
        document = context.graphql_document
        model = getattr(context.schema, "cost_model", None)
        if document is None or model is None:
            return None
        self.cost, refusal = cost_refusal(
            model,
            self.max_cost,
            document,
            context.query,
            OPERATION_NAMED.get(),
            context.operation_name,
            context.variables,
        )
        return refusal

    def get_results(self) -> dict[str, Any]:
        return cost_results(self.cost, self.max_cost)


def validation_rules(settings: GraphQLSettings) -> list[type[ASTValidationRule]]:
    """ncen's validation rules of every request (built once per schema: see the module doc)."""
    rules: list[type[ASTValidationRule]] = [
        cost_rule(settings.max_depth, settings.max_aliases),
        TextLiteralRule,
    ]
    if not settings.introspection:
        rules.append(NoIntrospectionRule)
    return rules


def refuses_anonymous_introspection(settings: GraphQLSettings) -> bool:
    """Whether anonymous callers get `NoIntrospectionRule` on top of the rules of everyone."""
    return settings.introspection and not settings.anonymous_introspection


def security_extensions(settings: GraphQLSettings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that each request gets fresh extension objects (rules built once)."""
    rules = validation_rules(settings)
    return [
        lambda: ParseLimits(settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(rules),
        lambda: IntrospectionFor(settings),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: RequestCost(settings),
        # Masks errors on every path that runs inside the operation, streaming included.
        lambda: MaskInternalErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE),
    ]
