"""Credentials: a token acts as its owner only, owners of tokens are service accounts, scopes
stay within the owner's (and the maker's) permissions, and no path gives the admin role data
access (separation of duties)."""

from __future__ import annotations

from sqlalchemy import insert

from core.auth.accounts import SERVICE, create_user
from core.auth.api_tokens import create_token
from core.auth.models import RolePermission
from core.gql.errors import InputError
from core.testing import login_as
from tests.suspects.helpers import CREATE as CREATE_PERSON
from tests.suspects.helpers import SUBMIT, person_input, suspects_app

PERSONS = "{ persons(first: 5) { totalCount edges { node { id familyName } } } }"
TOKEN = """mutation($u: String!, $s: [String!]!) {
  createApiToken(input: {username: $u, name: "t", scopes: $s}) { secret } }"""


def codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def test_no_path_gives_the_admin_role_data_access(make_app) -> None:
    app = await suspects_app(make_app)
    admin = await login_as(app, "root", "admin")
    officer = await login_as(app, "olga", "officer")
    await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    await login_as(app, "validator", "validator")

    # The attack of the issue: a token for a colleague, read persons as them.
    body = await app.gql(
        TOKEN, {"u": "validator", "s": ["suspects.view"]}, token=admin, expect_errors=True
    )
    assert codes(body) == ["NOT_A_SERVICE_ACCOUNT"]
    # A token for oneself is no way round: the admin is a person too.
    body = await app.gql(
        TOKEN, {"u": "root", "s": ["suspects.view"]}, token=admin, expect_errors=True
    )
    assert codes(body) == ["NOT_A_SERVICE_ACCOUNT"]
    # A machine with the validator's role: the account can be made, a data token cannot.
    made = await app.gql(
        'mutation { createUser(input: {username: "svc-read", roles: ["validator"], '
        "serviceAccount: true}) { user { serviceAccount } temporaryPassword } }",
        token=admin,
    )
    assert made["data"]["createUser"] == {
        "user": {"serviceAccount": True},
        "temporaryPassword": None,
    }
    body = await app.gql(
        TOKEN, {"u": "svc-read", "s": ["suspects.view"]}, token=admin, expect_errors=True
    )
    assert codes(body) == ["FORBIDDEN"] and "you do not hold" in body["errors"][0]["message"]
    # Giving data permissions to the admin role, or a data role to an administrator: refused.
    for mutation in (
        'setRolePermissions(role: "admin", permissions: ["core.users.manage", '
        '"core.roles.manage", "suspects.view"]) { name }',
        'setUserRoles(username: "root", roles: ["admin", "validator"]) { id }',
        'createUser(input: {username: "both", roles: ["admin", "officer"]}) { user { id } }',
        'setRolePermissions(role: "validator", permissions: ["suspects.view", '
        '"core.tokens.manage"]) { name }',
    ):
        body = await app.gql(f"mutation {{ {mutation} }}", token=admin, expect_errors=True)
        assert codes(body) == ["SEPARATION_OF_DUTIES"], (mutation, body)
    # Even if the database says otherwise (a grant written around the API), the credential
    # check drops it: the administrator still sees no person.
    async with app.instance.db.transaction() as session:
        await session.execute(
            insert(RolePermission).values(role="admin", permission="suspects.view")
        )
    assert codes(await app.gql(PERSONS, token=admin, expect_errors=True)) == ["FORBIDDEN"]
    me = (await app.gql("{ me { permissions } }", token=admin))["data"]["me"]
    assert "suspects.view" not in me["permissions"] and "core.users.manage" in me["permissions"]


async def test_tokens_belong_to_service_accounts_within_their_permissions(make_app) -> None:
    app = await suspects_app(make_app)
    officer = await login_as(app, "olga", "officer")
    made = await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    person = made["data"]["createPerson"]
    await app.gql(SUBMIT, {"id": person["id"], "v": person["version"]}, token=officer)
    await create_user(app.instance, "tests", "svc-read", roles=["validator"], kind=SERVICE)

    async def token(username: str, scopes: list[str]) -> str:
        secret, _ = await create_token(
            app.instance, "tests", username=username, name="t", scopes=scopes, expires_in_days=1
        )
        return secret

    for username, scopes, code in (
        ("olga", ["suspects.view"], "NOT_A_SERVICE_ACCOUNT"),
        ("svc-read", ["suspects.view", "core.users.manage"], "SCOPE_NOT_HELD"),
    ):
        try:
            await token(username, scopes)
        except InputError as exc:
            assert exc.extensions["code"] == code
        else:
            raise AssertionError(f"a token for {username} with {scopes} was made")

    # The operator's token (ncen token create) acts as the service account, and only as it.
    secret = await token("svc-read", ["suspects.view"])
    persons = (await app.gql(PERSONS, token=secret))["data"]["persons"]
    assert persons["totalCount"] == 1
    me = await app.gql("{ me { user { username serviceAccount } permissions via } }", token=secret)
    assert me["data"]["me"] == {
        "user": {"username": "svc-read", "serviceAccount": True},
        "permissions": ["suspects.view"],
        "via": "token",
    }
    # A service account never signs in, and has no password to reset.
    login = await app.gql(
        'mutation { login(username: "svc-read", password: "") { token } }', expect_errors=True
    )
    assert codes(login) == ["LOGIN_FAILED"]
    admin = await login_as(app, "root", "admin")
    reset = await app.gql(
        'mutation { resetPassword(username: "svc-read") { temporaryPassword } }',
        token=admin,
        expect_errors=True,
    )
    assert codes(reset) == ["INVALID_INPUT"] and "service account" in reset["errors"][0]["message"]


async def test_module_administrative_permissions_go_with_the_admin_role_only(make_app) -> None:
    """A module's `administrative=True` permission (the update manager's) is granted to the
    admin role without breaking the separation of duties, and cannot join a data role."""
    app = await suspects_app(make_app, modules=["suspects", "update_manager"])
    admin = await login_as(app, "root", "admin")
    me = (await app.gql("{ me { permissions } }", token=admin))["data"]["me"]
    assert {"update_manager.apply", "update_manager.view"} <= set(me["permissions"])
    assert "suspects.view" not in me["permissions"]
    body = await app.gql(
        'mutation { setRolePermissions(role: "validator", permissions: ["suspects.view", '
        '"update_manager.apply"]) { name } }',
        token=admin,
        expect_errors=True,
    )
    assert codes(body) == ["SEPARATION_OF_DUTIES"], body
    assert "suspects.view" in body["errors"][0]["message"]
