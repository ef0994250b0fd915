"""The schema ncen serves: strawberry's, with every request run in one pass.

`NcenSchema.execute` runs the steps of core/gql/security.py (parse limits, depth and alias
rules, introspection for signed-in callers, the operation name and cost checks, the time and
item budget, masking) plus the validation error codes and the consultation audit, in that
order, as plain calls. Strawberry would run the same steps as nine schema extensions, each
entered and left around each phase of each request through generator-based context managers:
for a small request (`me`) that machinery cost about a quarter of the server's CPU. The
extensions stay declared on the schema for strawberry's other paths (`execute_sync`, streams,
subscriptions), and share their logic with this one (`cost_refusal`, `validation_rules`,
`code_validation_errors`, `write_consultations`).

Parsing and validation are cached per document text (validation per text and kind of caller:
anonymous callers may have one rule more), as strawberry's ParserCache and ValidationCache do,
but keyed on the text, whose hash Python keeps, rather than on the parsed document, whose hash
graphql-core computes over every node at every lookup; a document that fails to parse is not
cached.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, execute, parse
from graphql.error import GraphQLSyntaxError
from graphql.validation import ASTValidationRule, specified_rules
from strawberry.exceptions import MissingQueryError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.operation import get_operation_type

from core.audit.consultation import write_consultations
from core.config import GraphQLSettings
from core.gql.budget import CURRENT as CURRENT_BUDGET
from core.gql.budget import RequestBudget
from core.gql.cost import CostModel
from core.gql.error_codes import code_validation_errors, with_code
from core.gql.security import (
    CACHE_SIZE,
    OPERATION_NAMED,
    SOURCE_CHARS_PER_TOKEN,
    TOO_MANY_TOKENS,
    NoIntrospectionRule,
    cost_refusal,
    cost_results,
    masked,
    refuses_anonymous_introspection,
    should_mask,
    validation_rules,
)

log = logging.getLogger("ncen.graphql")

_DEFAULT_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


class NcenSchema(strawberry.Schema):
    """Strawberry's schema with ncen's request pipeline, logging and the last word on what
    errors say: internal errors masked wherever they were raised, the parser's token-limit
    error coded."""

    def __init__(self, *args: Any, settings: GraphQLSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.cost_model = CostModel(self._schema, settings.max_page_size)
        self._too_many_tokens = (
            f"Syntax Error: Document contains more than {settings.max_tokens} tokens."
        )
        rules = (*specified_rules, *validation_rules(settings))
        anonymous = (*rules, NoIntrospectionRule)
        self._rules: dict[bool, tuple[type[ASTValidationRule], ...]] = {
            False: rules,
            True: anonymous if refuses_anonymous_introspection(settings) else rules,
        }
        self._max_tokens = settings.max_tokens
        self._max_source_length = settings.max_tokens * SOURCE_CHARS_PER_TOKEN
        self.parsed = functools.lru_cache(maxsize=CACHE_SIZE)(self._parse)
        self.validated = functools.lru_cache(maxsize=CACHE_SIZE)(self._validate)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self._max_tokens, max_source_length=self._max_source_length)

    def _validate(self, query: str, anonymous: bool) -> list[GraphQLError]:
        # Keyed on the text, whose hash Python keeps, not on the document: a graphql-core
        # node hashes its whole subtree on every lookup.
        errors = validate_document(self._schema, self.parsed(query), self._rules[anonymous])
        code_validation_errors(errors)
        return errors

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Internal errors with their traceback; the client's own mistakes only at debug."""
        for error in errors:
            if should_mask(error):
                log.error(
                    "internal error in GraphQL %s: %s",
                    ".".join(map(str, error.path or ())) or "operation",
                    error.message,
                    exc_info=error.original_error,
                )
            else:
                log.debug("GraphQL error for the client: %s", error.message)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run the request under its budget (core/gql/budget.py): cut short, it answers one
        error and no data."""
        named = OPERATION_NAMED.set(operation_name is not None)
        budget = RequestBudget(self.settings.max_request_seconds, self.settings.max_result_items)
        current = CURRENT_BUDGET.set(budget)
        try:
            async with asyncio.timeout(None) as budget.deadline:
                result = await self._run(
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    _DEFAULT_OPERATIONS
                    if allowed_operation_types is None
                    else allowed_operation_types,
                    operation_extensions,
                    budget,
                )
        except TimeoutError:
            if budget.deadline is None or not budget.deadline.expired():
                raise
            log.warning("GraphQL request stopped: %s", budget.error().message)
            return ExecutionResult(data=None, errors=[budget.error()])
        finally:
            CURRENT_BUDGET.reset(current)
            OPERATION_NAMED.reset(named)
        if budget.exceeded is not None:  # passed while no await was left to cancel
            return ExecutionResult(data=None, errors=[budget.error()])
        if result.errors:
            result.errors = [self._finish(error) for error in result.errors]
        return result

    async def _run(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
        allowed: Iterable[OperationType],
        operation_extensions: dict[str, Any] | None,
        budget: RequestBudget,
    ) -> ExecutionResult:
        """Parse, validate, check and execute; errors of the client's making are answered,
        internal ones logged (then masked by `execute`). Raises what strawberry's view turns
        into HTTP errors: no query, an unknown operation name, an operation type not allowed."""
        if not query:
            raise MissingQueryError
        try:
            try:
                document = self.parsed(query)
            except GraphQLError as error:
                return self._refused([error])
            except Exception as error:  # e.g. a document nested past the recursion limit
                return self._refused([GraphQLError(str(error), original_error=error)])
            name = operation_name
            if name is None:  # as strawberry: the first operation's name
                first = next(
                    (d for d in document.definitions if isinstance(d, OperationDefinitionNode)),
                    None,
                )
                name = first.name.value if first is not None and first.name else None
            try:
                operation_type = get_operation_type(document, name)
            except RuntimeError as error:
                raise CannotGetOperationTypeError(name) from error
            if operation_type not in allowed:
                raise InvalidOperationTypeError(operation_type)
            principal = getattr(context, "principal", None)
            anonymous = not getattr(principal, "is_authenticated", False)
            errors = self.validated(query, anonymous)
            if errors:
                return self._refused(errors)
            cost, refusal = cost_refusal(
                self.cost_model,
                self.settings.max_cost,
                document,
                query,
                operation_name is not None,
                name,
                variables,
            )
            if refusal is not None:
                return ExecutionResult(data=None, errors=[refusal], extensions={})
            if operation_type == OperationType.QUERY:
                budget.start_clock()
            result = await await_maybe(
                execute(
                    self._schema,
                    document,
                    root_value=root_value,
                    variable_values=variables,
                    operation_name=name,
                    context_value=context,
                    is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # strawberry's check, typed as returning bool
                    executor_class=self.execution_context_class,
                    operation_extensions=operation_extensions,
                )
            )
            if result.errors:
                self.process_errors(result.errors)
            await write_consultations(context)
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError):
            raise
        except Exception as exc:  # e.g. the consultation audit could not be written
            coerced = (
                exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            )
            return self._refused([coerced])
        return ExecutionResult(
            data=result.data,
            errors=result.errors,
            extensions=cost_results(cost, self.settings.max_cost),
        )

    def _refused(self, errors: list[GraphQLError]) -> ExecutionResult:
        self.process_errors(errors)
        return ExecutionResult(data=None, errors=list(errors), extensions={})

    def _finish(self, error: GraphQLError) -> GraphQLError:
        if should_mask(error):
            return masked(error)
        if isinstance(error, GraphQLSyntaxError) and error.message.startswith(
            self._too_many_tokens
        ):
            return GraphQLError(
                error.message,
                source=error.source,
                positions=error.positions,
                extensions={"code": TOO_MANY_TOKENS},
            )
        return with_code(error)
