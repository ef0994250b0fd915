"""The credential cache: a verified credential is served without a database round trip, and
every change that could alter it takes effect at the very next request — in this process and in
another one over the same database (another worker, or the CLI)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import event, update

from core.auth.accounts import SERVICE, create_user, set_active, set_role_permissions
from core.auth.api_tokens import create_token
from core.auth.credential_cache import CredentialCache, Entry, cache_of
from core.auth.models import User
from core.auth.principal import UserPrincipal
from core.db import utcnow
from core.table_watch import Watch
from core.testing import login_as
from core.testing.apps import create_user as create_test_user

ME = "{ me { via user { username } } }"
PERMISSIONS = "{ me { permissions } }"
PERMISSIONS_REQUIRED = "{ users { username } }"


class Statements:
    """Counts the statements that read or write credentials while active."""

    def __init__(self, app) -> None:
        self.engine = app.instance.db.engine.sync_engine
        self.count = 0

    def _before(self, _conn, _cursor, statement: str, *_args) -> None:
        if "core_session" in statement or "core_api_token" in statement:
            self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


def code(body: dict) -> str | None:
    errors = body.get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


async def refused(app, token: str) -> bool:
    """`me` answers null for a refused credential (it is open to anonymous callers), and a
    protected field says UNAUTHENTICATED."""
    me = (await app.gql(ME, token=token))["data"]["me"]
    body = await app.gql(PERMISSIONS_REQUIRED, token=token, expect_errors=True)
    return me is None and code(body) == "UNAUTHENTICATED"


async def test_a_verified_session_is_served_from_memory(make_app) -> None:
    app = await make_app(modules=[])
    token = await login_as(app, "olga", "officer")
    await app.gql(ME, token=token)  # verified and cached
    with Statements(app) as seen:
        for _ in range(5):
            me = (await app.gql(ME, token=token))["data"]["me"]
            assert me == {"via": "session", "user": {"username": "olga"}}
    assert seen.count == 0


async def test_logout_ends_a_cached_session_at_once(make_app) -> None:
    app = await make_app(modules=[])
    token = await login_as(app, "olga", "officer")
    await app.gql(ME, token=token)
    assert (await app.gql("mutation { logout }", token=token))["data"]["logout"] is True
    assert await refused(app, token)


async def test_deactivation_and_role_changes_take_effect_at_once(make_app) -> None:
    app = await make_app(modules=["seizures"])
    admin = await login_as(app, "root", "admin")
    officer = await login_as(app, "olga", "officer")
    assert (
        "seizures.view" in (await app.gql(PERMISSIONS, token=officer))["data"]["me"]["permissions"]
    )
    # Role taken away: the very next request has the new permissions.
    await app.gql('mutation { setUserRoles(username: "olga", roles: []) { id } }', token=admin)
    assert (await app.gql(PERMISSIONS, token=officer))["data"]["me"]["permissions"] == []
    # Role given back, then the role itself loses a permission.
    await app.gql(
        'mutation { setUserRoles(username: "olga", roles: ["officer"]) { id } }', token=admin
    )
    before = set((await app.gql(PERMISSIONS, token=officer))["data"]["me"]["permissions"])
    assert "seizures.view" in before
    await set_role_permissions(app.instance, "tests", "officer", sorted(before - {"seizures.view"}))
    after = set((await app.gql(PERMISSIONS, token=officer))["data"]["me"]["permissions"])
    assert after == before - {"seizures.view"}
    # Deactivated: refused.
    await app.gql('mutation { deactivateUser(username: "olga") { id } }', token=admin)
    assert await refused(app, officer)


async def test_a_revoked_api_token_is_refused_at_once(make_app) -> None:
    app = await make_app(modules=["seizures"])
    admin = await login_as(app, "root", "admin")
    await create_user(app.instance, "tests", "svc", roles=["officer"], kind=SERVICE)
    secret, token = await create_token(
        app.instance, "tests", username="svc", name="t", scopes=["seizures.view"],
        expires_in_days=1,
    )  # fmt: skip
    assert (await app.gql(ME, token=secret))["data"]["me"]["via"] == "token"
    with Statements(app) as seen:
        await app.gql(ME, token=secret)
    assert seen.count == 0
    await app.gql(f'mutation {{ revokeApiToken(id: "{token.id}") {{ id }} }}', token=admin)
    assert await refused(app, secret)


async def test_a_password_change_ends_the_other_cached_sessions(make_app) -> None:
    app = await make_app(modules=[])
    first = await login_as(app, "olga", "officer")
    password = "a much longer passphrase 42"
    # A second session of the same account, through the service so we know the password.
    from core.auth.accounts import reset_password

    temporary = await reset_password(app.instance, "tests", "olga")
    assert await refused(app, first)  # reset revoked it
    login = 'mutation($p: String!) { login(username: "olga", password: $p) { token } }'
    one = (await app.gql(login, {"p": temporary}))["data"]["login"]["token"]
    two = (await app.gql(login, {"p": temporary}))["data"]["login"]["token"]
    await app.gql(ME, token=two)  # cached
    await app.gql(
        "mutation($o: String!, $n: String!) { changePassword(currentPassword: $o, newPassword: $n) }",
        {"o": temporary, "n": password},
        token=one,
    )
    assert await refused(app, two)
    assert (await app.gql(ME, token=one))["data"]["me"]["via"] == "session"


async def test_a_change_made_by_another_process_reaches_the_cache(make_app) -> None:
    """Two instances over one database stand for two workers (or a server and the CLI): a
    deactivation committed by one is seen by the other at its next request."""
    server = await make_app(modules=[])
    other = await make_app(modules=[])
    token = await login_as(server, "olga", "officer")
    await server.gql(ME, token=token)
    assert len(cache_of(server.instance.db)) == 1
    await set_active(other.instance, "tests", "olga", False)
    # PostgreSQL delivers the notification asynchronously, just after the commit.
    cache = cache_of(server.instance.db)
    for _ in range(500):  # 10 s at most, for a loaded machine
        cache.usable()
        if len(cache) == 0:
            break
        await asyncio.sleep(0.02)
    assert await refused(server, token)


async def test_writes_that_only_record_use_keep_the_cache(make_app) -> None:
    app = await make_app(modules=[])
    token = await login_as(app, "olga", "officer")
    password = await create_test_user(app, "anna", "officer")
    await asyncio.sleep(0.2)  # PostgreSQL: the notification of anna's creation has arrived
    await app.gql(ME, token=token)
    # A sign-in records its time and makes a new session: nothing cached changes.
    await app.gql(
        'mutation($p: String!) { login(username: "anna", password: $p) { token } }', {"p": password}
    )
    with Statements(app) as seen:
        await app.gql(ME, token=token)
    assert seen.count == 0
    # Any other write to the accounts empties the cache: read once again, then cached.
    async with app.instance.db.transaction() as session:
        await session.execute(update(User).values(display_name="x"))
    with Statements(app) as seen:
        await app.gql(ME, token=token)
        await app.gql(ME, token=token)
    assert seen.count == 1


async def test_a_rolled_back_change_keeps_the_cache(make_app) -> None:
    app = await make_app(modules=[])
    token = await login_as(app, "olga", "officer")
    await app.gql(ME, token=token)
    cache = cache_of(app.instance.db)
    before = cache.generation
    try:
        async with app.instance.db.transaction() as session:
            await session.execute(update(User).values(active=False))
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    assert cache.generation == before and len(cache) == 1


def test_an_entry_read_before_an_invalidation_is_not_kept() -> None:
    cache = CredentialCache(30.0, Watch("credentials", ["core_user"], None))
    assert cache.usable()
    principal = UserPrincipal(user_id=1, username="u", permissions=frozenset())
    entry = Entry(principal, "session", 1, utcnow(), utcnow(), time.monotonic())
    generation = cache.generation
    cache.changes.changed()  # a change committed while the request read the database
    cache.put("k", entry, generation)
    assert cache.get("k") is None
    assert cache.usable()
    cache.put("k", entry, cache.generation)
    assert cache.get("k") is entry
    cache.changes.changed()
    assert cache.usable() and cache.get("k") is None


def test_entries_expire_after_their_lifetime() -> None:
    cache = CredentialCache(0.05, Watch("credentials", ["core_user"], None))
    assert cache.usable()
    principal = UserPrincipal(user_id=1, username="u", permissions=frozenset())
    cache.put("k", Entry(principal, "session", 1, utcnow(), utcnow(), time.monotonic() - 1), 0)
    assert cache.get("k") is None
    assert not CredentialCache(0, Watch("credentials", ["core_user"], None)).usable()


async def test_me_is_answered_from_the_credential_when_that_is_all_it_asks(make_app) -> None:
    app = await make_app(modules=[])
    token = await login_as(app, "olga", "officer")
    await app.gql(ME, token=token)
    with Statements(app) as seen:
        counted = 0

        def count(_conn, _cursor, statement: str, *_args) -> None:
            nonlocal counted
            if "core_outbox" not in statement:  # the relay polls in the background
                counted += 1

        event.listen(seen.engine, "before_cursor_execute", count)
        try:
            me = (await app.gql("{ me { via user { id username mustChangePassword } } }",
                                token=token))["data"]["me"]  # fmt: skip
        finally:
            event.remove(seen.engine, "before_cursor_execute", count)
    assert counted == 0
    full = (await app.gql("{ me { user { id username mustChangePassword roles } } }",
                          token=token))["data"]["me"]  # fmt: skip
    assert full["user"] == {**me["user"], "roles": ["officer"]}
    assert me["user"]["username"] == "olga" and me["user"]["mustChangePassword"] is False
