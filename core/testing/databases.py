"""Throwaway databases for tests: a SQLite file per test, or a PostgreSQL database created on
the server named by `NCEN_TEST_POSTGRESQL_URL` and dropped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRESQL_ENV = "NCEN_TEST_POSTGRESQL_URL"
# Set by .ci/run: in CI a missing PostgreSQL URL is a failure, never a silent skip.
REQUIRE_POSTGRESQL_ENV = "NCEN_REQUIRE_POSTGRESQL"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_pg_database(base_url: str) -> tuple[str, str]:
    """A new database on the server of `base_url` (a URL with the right to create databases);
    returns its name and URL."""
    import asyncpg

    name = f"ncen_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    prefix, _, _ = base_url.rpartition("/")
    return name, f"{prefix}/{name}"


async def drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def postgresql_server() -> str:
    """The test server's URL; skips the test without one (fails when CI requires it)."""
    base = os.environ.get(POSTGRESQL_ENV)
    if not base:
        if os.environ.get(REQUIRE_POSTGRESQL_ENV):
            pytest.fail(
                f"{REQUIRE_POSTGRESQL_ENV} is set but {POSTGRESQL_ENV} is not", pytrace=False
            )
        pytest.skip(f"{POSTGRESQL_ENV} is not set: no PostgreSQL server to test against")
    return base


@contextlib.contextmanager
def throwaway_postgresql(count: int = 1) -> Iterator[list[str]]:
    """URLs of `count` new databases on the test server, dropped afterwards: for tests outside
    an event loop that start `ncen serve` processes."""
    base = postgresql_server()
    created: list[tuple[str, str]] = []
    try:
        for _ in range(count):
            created.append(asyncio.run(create_pg_database(base)))
        yield [url for _, url in created]
    finally:
        for name, _ in created:
            asyncio.run(drop_pg_database(base, name))
