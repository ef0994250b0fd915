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


def backend_name(instance: Instance) -> str:
    from core.search.plugin import backend_name as chosen

    return chosen(instance.config)


async def lose_index(instance: Instance) -> None:
    """The index is gone: whoosh's directory removed, or the data of PostgreSQL's tables (as a
    backup that left the derived search data out restores them; the tables are migrations')."""
    import shutil

    from sqlalchemy import text

    from core.search.postgres_backend import TABLES

    if backend_name(instance) == "whoosh":
        shutil.rmtree(instance.config.search_dir)
        return
    async with instance.db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)}"))


async def damage_index(instance: Instance) -> None:
    """The index cannot be used as it is: whoosh files overwritten with garbage, PostgreSQL
    rows built by another version of the backend."""
    from sqlalchemy import text

    from core.search.postgres_backend import STATE

    if backend_name(instance) == "whoosh":
        for path in instance.config.search_dir.iterdir():
            if path.suffix in {".toc", ".seg"}:
                path.write_bytes(b"\x00garbage" * 10)
        return
    async with instance.db.engine.begin() as conn:
        await conn.execute(text(f"UPDATE {STATE} SET version = 0"))


def search_backend_fixture() -> Any:
    """A `make_app` that runs each test once per search backend the engine offers: whoosh on
    both engines, PostgreSQL full-text search on PostgreSQL. Use as
    `make_app = search_backend_fixture()` in a test module."""
    import pytest

    from core.config import SearchSettings

    @pytest.fixture(params=["whoosh", "postgresql"])
    def make_app(request: Any, make_app: Any, database_url: str) -> Any:
        if request.param == "postgresql" and database_url.startswith("sqlite"):
            pytest.skip("PostgreSQL full-text search needs a PostgreSQL database")

        async def factory(*args: Any, **kw: Any) -> Any:
            kw.setdefault("search", SearchSettings(backend=request.param))
            return await make_app(*args, **kw)

        return factory

    return make_app


def backend_factory_fixture() -> Any:
    """A fixture `new_backend` giving `await new_backend()`: an empty index on each backend in
    turn (whoosh in a temporary directory; PostgreSQL full-text search in a throwaway
    database, skipped unless NCEN_TEST_POSTGRESQL_URL is set)."""
    import os

    import pytest
    import pytest_asyncio

    from core.testing import (
        POSTGRESQL_ENV,
        REQUIRE_POSTGRESQL_ENV,
        create_pg_database,
        drop_pg_database,
    )

    @pytest_asyncio.fixture(
        params=["whoosh", pytest.param("postgresql", marks=pytest.mark.postgresql)]
    )
    async def new_backend(request: Any, tmp_path: Any) -> Any:
        from core.db import Database
        from core.migrate import Migrator
        from core.search.postgres_backend import PostgresSearchBackend
        from core.search.whoosh_backend import WhooshBackend

        databases: list[tuple[Database, str]] = []
        base = os.environ.get(POSTGRESQL_ENV)
        if request.param == "postgresql" and not base:
            if os.environ.get(REQUIRE_POSTGRESQL_ENV):
                pytest.fail(f"{REQUIRE_POSTGRESQL_ENV} is set but {POSTGRESQL_ENV} is not")
            pytest.skip(f"{POSTGRESQL_ENV} is not set: no PostgreSQL server to test against")

        async def factory() -> Any:
            if request.param == "whoosh":
                backend: Any = WhooshBackend(tmp_path / f"search{len(databases)}")
                databases.append((None, ""))  # type: ignore[arg-type]
            else:
                name, url = await create_pg_database(base or "")
                db = Database(url)
                databases.append((db, name))
                await Migrator(db, [], []).upgrade()  # core's migrations make the tables
                backend = PostgresSearchBackend(db)
            await backend.create()
            return backend

        yield factory
        for db, name in databases:
            if db is not None:
                await db.dispose()
                await drop_pg_database(base or "", name)

    return new_backend
