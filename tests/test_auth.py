"""Sign-in, sessions, password rules and account administration through the GraphQL API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.auth.models import Session
from core.auth.passwords import check_policy
from core.auth.plugin import sync_instance_permissions
from core.config import AuthSettings
from core.db import utcnow
from core.gql.errors import InputError
from core.testing import create_user, login_as

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username roles } } }"
AUDIT = "{ auditEvents(first: 1) { edges { cursor } } }"
ME = "{ me { user { username mustChangePassword } permissions via } }"


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def test_login_me_logout(make_app):
    app = await make_app(modules=[])
    password = await create_user(app, "alice", "auditor", display_name="Alice")
    body = await app.gql(LOGIN, {"u": "Alice", "p": password})
    token = body["data"]["login"]["token"]
    assert token.startswith("ncs_")
    assert body["data"]["login"]["user"] == {"username": "alice", "roles": ["auditor"]}
    me = (await app.gql(ME, token=token))["data"]["me"]
    assert me["user"]["username"] == "alice"
    assert me["permissions"] == ["core.audit.read"]
    assert (await app.gql(ME))["data"]["me"] is None
    await app.gql("mutation { logout }", token=token)
    body = await app.gql("mutation { logout }", token=token, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]
    async with app.instance.db.session() as session:
        stored = (await session.scalars(select(Session.token_hash))).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


async def test_me_lists_every_role_in_order_and_the_permissions_they_give(make_app):
    app = await make_app(modules=[])
    both = await login_as(app, "dora", "officer", "auditor")
    none = await login_as(app, "ed")
    query = "{ me { user { username roles } permissions } }"
    me = (await app.gql(query, token=both))["data"]["me"]
    assert me["user"] == {"username": "dora", "roles": ["auditor", "officer"]}
    assert "core.audit.read" in me["permissions"]
    me = (await app.gql(query, token=none))["data"]["me"]
    assert me == {"user": {"username": "ed", "roles": []}, "permissions": []}


async def test_failed_login_does_not_reveal_whether_the_user_exists(make_app):
    app = await make_app(modules=[])
    await create_user(app, "bob", "officer")
    await create_user(app, "carol", "officer")
    await app.gql('mutation { deactivateUser(username: "carol") { active } }', expect_errors=True)
    wrong = await app.gql(LOGIN, {"u": "bob", "p": "not the password at all"}, expect_errors=True)
    missing = await app.gql(
        LOGIN, {"u": "nobody", "p": "not the password at all"}, expect_errors=True
    )
    assert wrong["errors"][0]["message"] == missing["errors"][0]["message"]
    assert codes(wrong) == codes(missing) == ["LOGIN_FAILED"]


def test_password_policy():
    settings = AuthSettings(password_min_length=12)
    for bad in ("short", "passwordpassword", "aaaaaaaaaaaaaaaa", "x" * 2000, "jdoe-secret-jdoe"):
        with pytest.raises(InputError):
            check_policy(bad, settings, context=("jdoe",))
    check_policy("correct horse battery", settings)  # no composition rules
    check_policy("Ünïcödé pässwörd ✓ long", settings)


async def _shift_session(app, **columns: dt.timedelta) -> None:
    now = utcnow()
    async with app.instance.db.transaction() as session:
        await session.execute(update(Session).values({k: now - v for k, v in columns.items()}))


async def test_session_expiry_idle_and_absolute(make_app):
    app = await make_app(modules=[])
    token = await login_as(app, "dave", "auditor")
    await _shift_session(app, last_seen_at=dt.timedelta(hours=1))
    body = await app.gql(AUDIT, token=token, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "inactivity" in body["errors"][0]["message"]

    token = await login_as(app, "erin", "auditor")
    await app.gql(AUDIT, token=token)
    await _shift_session(app, expires_at=dt.timedelta(seconds=1))
    body = await app.gql(AUDIT, token=token, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


async def test_deactivated_user_live_session_refused_on_next_request(make_app):
    app = await make_app(modules=[])
    admin = await login_as(app, "root", "admin")
    token = await login_as(app, "frank", "auditor")
    await app.gql(AUDIT, token=token)
    await app.gql('mutation { deactivateUser(username: "frank") { active } }', token=admin)
    body = await app.gql(AUDIT, token=token, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert (await app.gql(ME, token=token))["data"]["me"] is None
    async with app.instance.db.session() as session:
        revoked = (await session.scalars(select(Session.revoked_at))).all()
    assert sum(r is not None for r in revoked) == 1  # frank's session only


async def test_reset_password_gives_one_time_password_that_must_be_changed(make_app):
    app = await make_app(modules=[])
    admin = await login_as(app, "root", "admin")
    old = await login_as(app, "gina", "auditor")
    body = await app.gql(
        'mutation { resetPassword(username: "gina") { temporaryPassword user { mustChangePassword } } }',
        token=admin,
    )
    temporary = body["data"]["resetPassword"]["temporaryPassword"]
    assert body["data"]["resetPassword"]["user"]["mustChangePassword"] is True
    assert codes(await app.gql(AUDIT, token=old, expect_errors=True)) == ["UNAUTHENTICATED"]
    token = (await app.gql(LOGIN, {"u": "gina", "p": temporary}))["data"]["login"]["token"]
    assert codes(await app.gql(AUDIT, token=token, expect_errors=True)) == [
        "PASSWORD_CHANGE_REQUIRED"
    ]
    change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }"
    body = await app.gql(change, {"c": temporary, "n": "password"}, token=token, expect_errors=True)
    assert (
        codes(body) == ["INVALID_INPUT"]
        and body["errors"][0]["extensions"]["field"] == "newPassword"
    )
    await app.gql(change, {"c": temporary, "n": "a much longer pass phrase"}, token=token)
    await app.gql(AUDIT, token=token)
    body = await app.gql(LOGIN, {"u": "gina", "p": temporary}, expect_errors=True)
    assert codes(body) == ["LOGIN_FAILED"]


async def test_last_active_admin_cannot_be_locked_out(make_app):
    app = await make_app(modules=[])
    admin = await login_as(app, "root", "admin")
    for mutation in (
        'mutation { deactivateUser(username: "root") { active } }',
        'mutation { setUserRoles(username: "root", roles: ["auditor"]) { roles } }',
        'mutation { setRolePermissions(role: "admin", permissions: []) { name } }',
    ):
        body = await app.gql(mutation, token=admin, expect_errors=True)
        assert codes(body) == ["CONFLICT"], mutation
    await create_user(app, "second", "admin")
    await app.gql('mutation { deactivateUser(username: "root") { active } }', token=admin)
    body = await app.gql("{ users { username } }", token=admin, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_admin_manages_users_and_role_permissions(make_app):
    app = await make_app(modules=[])
    admin = await login_as(app, "root", "admin")
    body = await app.gql(
        """mutation { createUser(input: {username: "Hank", roles: ["officer"], displayName: "Hank",
           email: "hank@example.org", language: "fr", unit: "Port"}) {
           temporaryPassword user { username roles language mustChangePassword } } }""",
        token=admin,
    )
    created = body["data"]["createUser"]
    assert created["user"] == {
        "username": "hank",
        "roles": ["officer"],
        "language": "fr",
        "mustChangePassword": True,
    }
    assert len(created["temporaryPassword"]) >= 20
    body = await app.gql(
        'mutation { updateUser(username: "hank", input: {unit: "Airport"}) { unit } }', token=admin
    )
    assert body["data"]["updateUser"]["unit"] == "Airport"
    await app.gql(
        'mutation { setUserRoles(username: "hank", roles: ["auditor", "analyst"]) { roles } }',
        token=admin,
    )
    body = await app.gql(
        'mutation { setRolePermissions(role: "auditor", permissions: []) { permissions } }',
        token=admin,
    )
    assert body["data"]["setRolePermissions"]["permissions"] == []
    auditor = await login_as(app, "ivy", "auditor")
    assert codes(await app.gql(AUDIT, token=auditor, expect_errors=True)) == ["FORBIDDEN"]
    users = (await app.gql("{ users { username active } }", token=admin))["data"]["users"]
    assert [u["username"] for u in users] == ["hank", "ivy", "root"]
    await app.gql('mutation { deactivateUser(username: "hank") { active } }', token=admin)
    body = await app.gql('mutation { reactivateUser(username: "hank") { active } }', token=admin)
    assert body["data"]["reactivateUser"]["active"] is True


async def test_permissions_sync_keeps_admin_changes(make_app):
    app = await make_app(modules=[])
    admin = await login_as(app, "root", "admin")
    await app.gql(
        'mutation { setRolePermissions(role: "auditor", permissions: []) { name } }', token=admin
    )
    await sync_instance_permissions(app.instance)
    roles = (await app.gql("{ roles { name permissions } }", token=admin))["data"]["roles"]
    assert {r["name"]: r["permissions"] for r in roles}["auditor"] == []
