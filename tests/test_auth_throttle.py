"""Brute force is throttled per account and per source: through aliases, through parallel
requests, without locking other users out, and without letting an attacker elsewhere lock the
owner out."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import LoginThrottle
from core.auth.throttle import NEXT_SWEEP_KEY, account_key, counters
from core.config import AuthSettings
from core.testing import TEST_AUTH, create_user

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
# Fast hashing, 3 free attempts, then a delay long enough to outlast the test, lockout at 5.
AUTH = AuthSettings(
    **{
        **TEST_AUTH.__dict__,
        "login_free_attempts": 3,
        "login_base_delay": 60.0,
        "login_lockout_threshold": 5,
    }
)


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def failures(app, username: str) -> int:
    """Failures counted against the account, from all sources."""
    async with app.instance.db.session() as session:
        row = await session.scalar(
            select(LoginThrottle.failures).where(LoginThrottle.username == account_key(username))
        )
    return row or 0


async def test_aliases_in_one_request_evaluate_one_login(make_app):
    app = await make_app(modules=[], auth=AUTH)
    password = await create_user(app, "victim", "officer")
    guesses = [f"guess number {i:03d}" for i in range(20)] + [password]
    query = (
        "mutation {"
        + " ".join(
            f'g{i}: login(username: "victim", password: "{p}") {{ token }}'
            for i, p in enumerate(guesses)
        )
        + "}"
    )
    body = (await app.client.post("/graphql", json={"query": query})).json()
    found = [e["extensions"]["code"] for e in body["errors"]]
    assert found.count("LOGIN_FAILED") == 1 and set(found) <= {"LOGIN_FAILED", "LOGIN_LIMIT"}
    # Correct password first, wrong ones after: still a single evaluation.
    query = query.replace(f'"{password}"', '"swapped"').replace(
        '"guess number 000"', f'"{password}"'
    )
    body = (await app.client.post("/graphql", json={"query": query})).json()
    found = [e["extensions"]["code"] for e in body["errors"]]
    assert found and set(found) == {"LOGIN_LIMIT"}, found
    assert await failures(app, "victim") == 0  # the success reset it


async def test_parallel_requests_are_throttled_and_lock_only_that_account(make_app):
    app = await make_app(modules=[], auth=AUTH)
    password = await create_user(app, "victim", "officer")
    other_password = await create_user(app, "bystander", "officer")
    bodies = await asyncio.gather(
        *(
            app.gql(LOGIN, {"u": "victim", "p": f"wrong guess {i:04d}"}, expect_errors=True)
            for i in range(12)
        )
    )
    outcome = [codes(b)[0] for b in bodies]
    assert outcome.count("LOGIN_FAILED") == AUTH.login_free_attempts, outcome
    assert outcome.count("LOGIN_THROTTLED") == 12 - AUTH.login_free_attempts
    # Even the right password is refused now, without being checked.
    body = await app.gql(LOGIN, {"u": "victim", "p": password}, expect_errors=True)
    assert codes(body) == ["LOGIN_THROTTLED"]
    assert body["errors"][0]["extensions"]["retryAfter"] > 0
    # Other accounts are not affected.
    await app.gql(LOGIN, {"u": "bystander", "p": other_password})


async def test_lockout_after_threshold_and_unknown_names_look_the_same(make_app):
    app = await make_app(
        modules=[], auth=AuthSettings(**{**AUTH.__dict__, "login_base_delay": 0.0})
    )
    password = await create_user(app, "victim", "officer")
    for name in ("victim", "ghost"):
        for i in range(AUTH.login_lockout_threshold):
            body = await app.gql(
                LOGIN, {"u": name, "p": f"wrong guess {i:04d}"}, expect_errors=True
            )
            assert codes(body) == ["LOGIN_FAILED"]
        body = await app.gql(LOGIN, {"u": name, "p": "another wrong one"}, expect_errors=True)
        assert codes(body) == ["LOGIN_THROTTLED"]
    body = await app.gql(LOGIN, {"u": "victim", "p": password}, expect_errors=True)
    assert codes(body) == ["LOGIN_THROTTLED"]
    # An administrator's password reset clears the lockout.
    from core.auth.accounts import reset_password

    temporary = await reset_password(app.instance, "tests", "victim")
    await app.gql(LOGIN, {"u": "victim", "p": temporary})


async def test_success_resets_the_counter(make_app):
    app = await make_app(modules=[], auth=AUTH)
    password = await create_user(app, "victim", "officer")
    await app.gql(LOGIN, {"u": "victim", "p": "wrong guess 0001"}, expect_errors=True)
    assert await failures(app, "victim") == 1
    await app.gql(LOGIN, {"u": "victim", "p": password})
    assert await failures(app, "victim") == 0


async def _throttle_rows(app, **rows: dict) -> None:
    """Put throttle rows in place directly: name -> column values."""
    async with app.instance.db.transaction() as session:
        for name, values in rows.items():
            session.add(
                LoginThrottle(username=name, failures=AUTH.login_lockout_threshold, **values)
            )


async def _names(app) -> set[str]:
    async with app.instance.db.session() as session:
        return set((await session.scalars(select(LoginThrottle.username))).all())


async def test_rows_idle_beyond_the_retention_are_forgotten(make_app):
    from core.auth.throttle import forget_after, forget_stale
    from core.db import utcnow

    app = await make_app(modules=[], auth=AUTH)
    now = utcnow()
    old = now - forget_after(AUTH) - dt.timedelta(minutes=1)
    await _throttle_rows(
        app,
        sprayed=dict(updated_at=old),
        served_its_lock=dict(updated_at=old, locked_until=old + dt.timedelta(minutes=30)),
        still_locked=dict(updated_at=old, locked_until=now + dt.timedelta(hours=1)),
        still_delayed=dict(updated_at=old, next_attempt_at=now + dt.timedelta(minutes=5)),
        recent=dict(updated_at=now - dt.timedelta(hours=1)),
    )
    assert await forget_stale(app.instance.db, AUTH) == 2
    assert await _names(app) == {"still_locked", "still_delayed", "recent"}
    # Forgetting never hands out more attempts than a lock would: at least a day, and at least
    # `login_lockout_threshold` lockouts long.
    assert forget_after(AUTH) == dt.timedelta(days=1)
    long_locks = AuthSettings(**{**AUTH.__dict__, "login_lockout_minutes": 7 * 24 * 60})
    assert forget_after(long_locks) == dt.timedelta(weeks=AUTH.login_lockout_threshold)


async def test_login_sweeps_stale_rows_at_most_once_an_interval(make_app):
    from core.db import utcnow

    app = await make_app(modules=[], auth=AUTH)
    old = utcnow() - dt.timedelta(days=30)
    await _throttle_rows(app, first=dict(updated_at=old))
    await app.gql(LOGIN, {"u": "someone", "p": "wrong guess 0001"}, expect_errors=True)
    someone = {c.key for c in counters(AUTH, "someone", "127.0.0.1")}
    assert await _names(app) == someone
    await _throttle_rows(app, second=dict(updated_at=old))
    await app.gql(LOGIN, {"u": "someone", "p": "wrong guess 0002"}, expect_errors=True)
    assert await _names(app) == {*someone, "second"}  # not due again yet
    app.instance.state.pop(NEXT_SWEEP_KEY)
    await app.gql(LOGIN, {"u": "someone", "p": "wrong guess 0003"}, expect_errors=True)
    assert await _names(app) == someone


def client_from(app, host: str) -> httpx.AsyncClient:
    """Another client of the same server, from another address."""
    asgi = app.client._transport.app
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi, client=(host, 40000)), base_url="http://ncen.test"
    )


async def login_from(client: httpx.AsyncClient, username: str, password: str) -> list[str]:
    body = (
        await client.post(
            "/graphql", json={"query": LOGIN, "variables": {"u": username, "p": password}}
        )
    ).json()
    return codes(body) or ["OK"]


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(make_app):
    app = await make_app(
        modules=[], auth=AuthSettings(**{**AUTH.__dict__, "login_base_delay": 0.0})
    )
    password = await create_user(app, "victim", "officer")
    async with client_from(app, "203.0.113.9") as attacker, client_from(app, "10.1.2.3") as owner:
        outcomes = [await login_from(attacker, "victim", f"guess {i:04d}") for i in range(12)]
        assert outcomes.count(["LOGIN_FAILED"]) == AUTH.login_lockout_threshold
        assert outcomes[-1] == ["LOGIN_THROTTLED"]
        # Locked out is the attacker's address, with the right password too...
        assert await login_from(attacker, "victim", password) == ["LOGIN_THROTTLED"]
        # ...not the owner, from theirs.
        assert await login_from(owner, "victim", password) == ["OK"]


async def test_spraying_from_one_address_is_slowed_down(make_app):
    settings = AuthSettings(**{**AUTH.__dict__, "login_source_free_attempts": 6})
    app = await make_app(modules=[], auth=settings)
    password = await create_user(app, "colleague", "officer")
    async with client_from(app, "198.51.100.7") as sprayer, client_from(app, "10.1.2.3") as office:
        outcomes = [await login_from(sprayer, f"user{i}", "Winter2026!") for i in range(8)]
        assert outcomes[:6] == [["LOGIN_FAILED"]] * 6
        assert outcomes[6:] == [["LOGIN_THROTTLED"]] * 2  # a new account each time: no matter
        assert await login_from(office, "colleague", password) == ["OK"]


async def test_a_distributed_attack_locks_the_account_until_an_admin_unlocks_it(make_app):
    settings = AuthSettings(
        **{**AUTH.__dict__, "login_base_delay": 0.0, "login_account_lockout_threshold": 6}
    )
    app = await make_app(modules=[], auth=settings)
    password = await create_user(app, "victim", "officer")
    admin = await create_user(app, "root", "admin")
    for host in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        async with client_from(app, host) as bot:
            for i in range(2):
                assert await login_from(bot, "victim", f"guess {i:04d}") == ["LOGIN_FAILED"]
    async with client_from(app, "10.1.2.3") as owner:
        assert await login_from(owner, "victim", password) == ["LOGIN_THROTTLED"]
        token = (await app.gql(LOGIN, {"u": "root", "p": admin}))["data"]["login"]["token"]
        body = await app.gql(
            'mutation { unlockUser(username: "victim") { username } }', token=token
        )
        assert body["data"]["unlockUser"] == {"username": "victim"}
        assert await login_from(owner, "victim", password) == ["OK"]
    async with app.instance.db.session() as session:
        action = await session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "user.unlock")
        )
    assert action == "user.unlock"
