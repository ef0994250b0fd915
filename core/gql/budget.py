"""What one GraphQL request may spend while it runs: wall-clock time and list items served.

The cost estimate (core/gql/cost.py) refuses what is visibly too big before execution; this is
the net under it, for what the estimate underrates (lists without a page argument, data larger
than expected). Both end the request cleanly with one error, never with a half-built response:

- **Time**: a query (not a mutation, whose commit must not be cut short) runs under an
  `asyncio.timeout` of `max_request_seconds`; when it expires, the request is cancelled at its
  next await and answers `REQUEST_TIMEOUT`.
- **Items**: every field returning a list counts its items against `max_result_items`; the
  first list over the budget cancels a query the same way (`RESULT_TOO_LARGE`). In a mutation
  the list over the budget is a field error instead: cancelling could cut a later mutation
  field's commit short.

The budget of the running request is found through a context variable, so resolvers need no
change and asyncio tasks started by the executor share it.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Collection, Sized
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLList, GraphQLNonNull, GraphQLObjectType

from core.gql.errors import ApiError
from core.internals import graphql_core_schema

REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
RESULT_TOO_LARGE = "RESULT_TOO_LARGE"


class RequestBudget:
    """The limits of one request; `deadline` is set while the operation runs."""

    def __init__(self, max_seconds: float, max_items: int) -> None:
        self.max_seconds = max_seconds
        self.max_items = max_items
        self.items = 0
        self.deadline: asyncio.Timeout | None = None
        self.exceeded: str | None = None  # the error code once a limit is passed

    def start_clock(self) -> None:
        """Start the time limit (called once the operation is known to be a query)."""
        if self.deadline is not None and self.deadline.when() is None:
            self.deadline.reschedule(asyncio.get_running_loop().time() + self.max_seconds)

    @property
    def cancels(self) -> bool:
        """Whether passing a limit cancels the request (a query) or is a field error."""
        return self.deadline is not None and self.deadline.when() is not None

    def count(self, items: int) -> None:
        self.items += items
        if self.items <= self.max_items:
            return
        if self.cancels:
            if self.exceeded is None:
                self.exceeded = RESULT_TOO_LARGE
                assert self.deadline is not None
                self.deadline.reschedule(asyncio.get_running_loop().time())
            return
        error = self.error_for(RESULT_TOO_LARGE)
        raise ApiError(error.message, **error.extensions)  # type: ignore[arg-type]  # error_for() builds extensions with str keys and JSON values

    def error(self) -> GraphQLError:
        """The one error a request cut short answers with."""
        return self.error_for(self.exceeded or REQUEST_TIMEOUT)

    def error_for(self, code: str) -> GraphQLError:
        if code == RESULT_TOO_LARGE:
            return GraphQLError(
                f"the response would hold more than {self.max_items:,} list items; "
                "ask for smaller pages or fewer nested lists",
                extensions={"code": RESULT_TOO_LARGE, "maxItems": self.max_items},
            )
        return GraphQLError(
            f"the request took longer than {self.max_seconds:g} s and was stopped; "
            "ask for less at once",
            extensions={"code": REQUEST_TIMEOUT, "maxSeconds": self.max_seconds},
        )


CURRENT: contextvars.ContextVar[RequestBudget | None] = contextvars.ContextVar(
    "ncen_request_budget", default=None
)


def _counted(resolve: Any, depth: int) -> Any:
    def resolve_counted(source: Any, info: Any, **args: Any) -> Any:
        result = resolve(source, info, **args)
        budget = CURRENT.get()
        if budget is None:
            return result
        if inspect.isawaitable(result):
            return _count_when_done(result, budget, depth)
        return _count(result, budget, depth)

    resolve_counted.__wrapped__ = resolve  # type: ignore[attr-defined]  # a function attribute read by strawberry's resolver lookup
    return resolve_counted


def _count(result: Any, budget: RequestBudget, depth: int) -> Any:
    if result is None or isinstance(result, (str, bytes)):
        return result
    if not isinstance(result, Sized):
        result = list(result)  # a generator: made a list once, to be counted
    budget.count(_items(result, depth))
    return result


def _items(result: Any, depth: int) -> int:
    """Items of a list, and of the lists in it for a list of lists."""
    if depth <= 1 or not isinstance(result, Collection):
        return len(result) if isinstance(result, Sized) else 0
    inner: int = sum(_items(item, depth - 1) for item in result if item is not None)
    return len(result) + inner


async def _count_when_done(result: Awaitable[Any], budget: RequestBudget, depth: int) -> Any:
    return _count(await result, budget, depth)


def _list_depth(field_type: Any) -> int:
    depth = 0
    while isinstance(field_type, (GraphQLNonNull, GraphQLList)):
        depth += isinstance(field_type, GraphQLList)
        field_type = field_type.of_type
    return depth


def count_list_items(schema: strawberry.Schema) -> int:
    """Make every field of `schema` that returns a list count its items against the request's
    budget; returns how many fields were wrapped. Run after any other resolver replacement."""
    wrapped = 0
    for graphql_type in graphql_core_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            depth = _list_depth(field.type)
            if depth and field.resolve is not None:
                field.resolve = _counted(field.resolve, depth)
                wrapped += 1
    return wrapped
