"""Helpers for the search tests: a caller with chosen permissions, and waiting for the relay."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from core.gql.context import Context
from core.instance import Instance

SEARCH = """
query Search($q: String!, $modules: [String!], $types: [String!], $from: Date, $to: Date,
             $filters: [SearchFilter!], $first: Int, $after: String) {
  search(query: $q, modules: $modules, entityTypes: $types, dateFrom: $from, dateTo: $to,
         filters: $filters, first: $first, after: $after) {
    totalCount
    edges { cursor score snippets node { __typename id entityType module } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    facets { modules { value count } entityTypes { value count } }
  }
}
"""


@dataclass(frozen=True)
class TestPrincipal:
    """A caller holding exactly `permissions`; independent of the accounts module."""

    __test__ = False
    permissions: frozenset[str]
    user: str = "tester"
    is_authenticated: bool = True

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def context(instance: Instance, *permissions: str, user: str = "tester") -> Context:
    request = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})
    principal = TestPrincipal(frozenset(permissions), user=user)
    return Context(request=request, instance=instance, principal=principal)


async def execute(
    instance: Instance,
    query: str,
    variables: dict[str, Any],
    *permissions: str,
    user: str = "tester",
) -> Any:
    """Run an operation as a caller with `permissions`; the result keeps errors for asserts."""
    return await instance.schema.execute(
        query, variable_values=variables, context_value=context(instance, *permissions, user=user)
    )


async def search(
    instance: Instance, q: str, *permissions: str, as_user: str = "tester", **variables: Any
) -> dict[str, Any]:
    result = await execute(instance, SEARCH, {"q": q, **variables}, *permissions, user=as_user)
    assert result.errors is None, result.errors
    return result.data["search"]


async def settle(*instances: Instance) -> None:
    """Wait until every committed outbox row has been handled by the running relays."""
    for _ in range(200):
        if all([await _nothing_pending(i) for i in instances]):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("outbox rows still pending")


async def _nothing_pending(instance: Instance) -> bool:
    from sqlalchemy import func, select

    from core.outbox import PENDING, OutboxRow

    async with instance.db.session() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == PENDING)
        )
    return pending == 0


def titles(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in result["edges"]]
