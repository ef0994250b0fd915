"""Shared fixtures: real databases (SQLite files and, when configured, PostgreSQL) and apps.

Every test that takes `make_app` or `database_url` runs once per engine. The PostgreSQL run
needs `NCEN_TEST_POSTGRESQL_URL` (a URL with rights to create databases; `.ci/run` starts a
throwaway server and sets it); without it those runs are skipped with the reason.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import (
    BUILTIN_MODULES,
    AuditSettings,
    AuthSettings,
    Config,
    GraphQLSettings,
    OutboxSettings,
)
from core.instance import Instance
from core.module import Module
from core.web import create_app

POSTGRESQL_ENV = "NCEN_TEST_POSTGRESQL_URL"
# Set by .ci/run: in CI a missing PostgreSQL URL is a failure, never a silent skip.
REQUIRE_POSTGRESQL_ENV = "NCEN_REQUIRE_POSTGRESQL"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"ncen_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    prefix, _, _ = base_url.rpartition("/")
    return name, f"{prefix}/{name}"


async def _drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database on the engine of this run."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ncen.db'}"
        return
    base = os.environ.get(POSTGRESQL_ENV)
    if not base:
        if os.environ.get(REQUIRE_POSTGRESQL_ENV):
            pytest.fail(
                f"{REQUIRE_POSTGRESQL_ENV} is set but {POSTGRESQL_ENV} is not", pytrace=False
            )
        pytest.skip(f"{POSTGRESQL_ENV} is not set: no PostgreSQL server to test against")
    name, url = await _create_pg_database(base)
    try:
        yield url
    finally:
        await _drop_pg_database(base, name)


def make_config(
    database_url: str, data_dir: Path, modules: Sequence[str] = BUILTIN_MODULES, **overrides: Any
) -> Config:
    """A test config: fast outbox polling, no periodic audit checkpoints (a test makes them
    when it wants them), everything else at its defaults unless overridden."""
    outbox = overrides.pop("outbox", OutboxSettings(poll_interval=0.05, retry_base_delay=0.0))
    overrides.setdefault("audit", AuditSettings(checkpoint_minutes=0))
    graphql = overrides.pop("graphql", GraphQLSettings())
    overrides.setdefault("auth", TEST_AUTH)
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        modules=tuple(modules),
        outbox=outbox,
        graphql=graphql,
        **overrides,
    )


@dataclasses.dataclass
class TestApp:
    """An instance served in-process, with an HTTP client speaking to it."""

    __test__ = False  # not a test class, despite the name

    instance: Instance
    client: httpx.AsyncClient

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        """POST a GraphQL operation; fail the test on errors unless `expect_errors`."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body

    async def close(self) -> None:
        await self.client.aclose()
        await self.instance.stop()


# Fast Argon2 parameters for tests only; production defaults live in core.config.AuthSettings.
TEST_AUTH = AuthSettings(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)


async def create_user(
    app: TestApp, username: str, *roles: str, password: str | None = None, **profile: Any
) -> str:
    """Create an active account with `roles` directly through the service; return its password."""
    from core.auth.accounts import Profile
    from core.auth.accounts import create_user as create

    password = password or f"test-pass-{uuid.uuid4().hex}"
    await create(
        app.instance,
        "tests",
        username,
        roles=list(roles),
        profile=Profile(**profile),
        password=password,
        must_change_password=False,
    )
    return password


async def login_as(app: TestApp, username: str, *roles: str) -> str:
    """Create a user with `roles` and sign in through GraphQL; return the session token."""
    password = await create_user(app, username, *roles)
    body = await app.gql(
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
        {"u": username, "p": password},
    )
    return body["data"]["login"]["token"]


MakeApp = Callable[..., Any]


@pytest.fixture
async def make_app(database_url: str, tmp_path: Path) -> AsyncIterator[MakeApp]:
    """Build isolated apps over one database: `await make_app(modules=[...], extra_modules=[...])`.

    Several apps built in one test share the database and data dir, so a test can disable and
    re-enable modules over the same data.
    """
    apps: list[TestApp] = []

    async def factory(
        modules: Sequence[str] = BUILTIN_MODULES,
        extra_modules: Sequence[Module] = (),
        **overrides: Any,
    ) -> TestApp:
        config = make_config(database_url, tmp_path / "data", modules, **overrides)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        instance = Instance(config, extra_modules=extra_modules)
        await instance.migrator.upgrade()
        await instance.start()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(instance)), base_url="http://ncen.test"
        )
        app = TestApp(instance, client)
        apps.append(app)
        return app

    yield factory
    for app in reversed(apps):
        await app.close()
