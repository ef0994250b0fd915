"""Instances for tests: a quick configuration, an app served in-process with an HTTP client,
accounts and sign-in."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

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

# Fast Argon2 parameters for tests only; production defaults live in core.config.AuthSettings.
TEST_AUTH = AuthSettings(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)


def make_config(
    database_url: str, data_dir: Path, modules: Sequence[str] = BUILTIN_MODULES, **overrides: Any
) -> Config:
    """A test config: fast outbox polling and password hashing, no periodic audit checkpoints
    (a test makes them when it wants them), everything else at its defaults unless overridden
    (any `Config` field)."""
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


async def start_app(
    config: Config, extra_modules: Sequence[Module] = (), *, code_lists: bool = False
) -> TestApp:
    """Build the instance, bring its schema up to date (and, with `code_lists`, sync the code
    lists, as `ncen db upgrade` does), start it and give it a client. Close it when done."""
    from core.codelists.sync import sync_code_lists
    from core.web import create_app

    config.data_dir.mkdir(parents=True, exist_ok=True)
    instance = Instance(config, extra_modules=extra_modules)
    await instance.migrator.upgrade()
    if code_lists:
        await sync_code_lists(instance)
    await instance.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(instance)), base_url="http://ncen.test"
    )
    return TestApp(instance, client)


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
