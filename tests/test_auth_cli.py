"""`ncen init` accounts, `ncen user ...` and `ncen token ...` against a live app's database."""

from __future__ import annotations

import re

from core.cli import _login_hints
from tests.test_audit import LOGIN, run_cli


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_init_creates_admin_and_demo_users(make_app):
    app = await make_app(modules=[])
    result = await run_cli(app, "init", "--demo", "--demo-size", "1")
    assert result.exit_code == 0, result.output
    admin_password = re.search(r"`admin` created; password \(shown once\): (\S+)", result.output)
    assert admin_password, result.output
    await app.gql(LOGIN, {"u": "admin", "p": admin_password.group(1)})
    logins = (app.instance.config.data_dir / "demo-logins.txt").read_text().splitlines()
    assert [line.split()[0] for line in logins] == [
        "admin",
        "validator",
        "officer",
        "analyst",
        "auditor",
    ]
    for line in logins[1:]:
        username, password = line.split()
        await app.gql(LOGIN, {"u": username, "p": password})
    again = await run_cli(app, "init")
    assert again.exit_code == 0 and "created" not in again.output
    # What `ncen serve` prints: the roles that see data first, each with what it may do.
    hints = _login_hints(app.instance.config)
    assert [line.split()[0] for line in hints[1:]] == [
        "officer",
        "validator",
        "analyst",
        "auditor",
        "admin",
    ]
    assert hints[1].endswith("Officer: enters and edits records")
    assert hints[-1].endswith("no data access by default")


async def test_user_and_token_commands(make_app):
    app = await make_app(modules=[])
    result = await run_cli(
        app,
        "user",
        "create",
        "Zoe",
        "--role",
        "auditor",
        "--password-stdin",
        stdin="a long enough pass phrase\n",
    )
    assert result.exit_code == 0, result.output
    token = (await app.gql(LOGIN, {"u": "zoe", "p": "a long enough pass phrase"}))["data"]
    session = token["login"]["token"]
    result = await run_cli(app, "user", "create", "yan", "--role", "officer")
    assert "temporary password" in result.output
    result = await run_cli(app, "user", "create", "bad", "--role", "janitor")
    assert result.exit_code == 1 and "unknown roles" in result.output
    assert "zoe" in (await run_cli(app, "user", "list")).output
    result = await run_cli(
        app, "user", "set-roles", "zoe", "--role", "auditor", "--role", "analyst"
    )
    assert "analyst, auditor" in result.output
    token = ["token", "create", "--name", "sync", "--scope", "core.audit.read"]
    result = await run_cli(app, *token, "--user", "zoe")
    assert result.exit_code == 1 and "person's account" in result.output  # tokens: machines'
    result = await run_cli(app, "user", "create", "svc-sync", "--role", "auditor", "--service")
    assert result.exit_code == 0 and "password" not in result.output, result.output
    result = await run_cli(app, *token, "--user", "svc-sync", "--scope", "core.users.manage")
    assert result.exit_code == 1 and "does not hold" in result.output  # beyond its roles
    result = await run_cli(app, *token, "--user", "svc-sync")
    secret = re.search(r"secret \(shown once\): (nct_\S+)", result.output).group(1)
    query = "{ auditEvents(first: 1) { edges { cursor } } }"
    await app.gql(query, token=secret)
    assert (await run_cli(app, "token", "revoke", "1")).exit_code == 0
    assert codes(await app.gql(query, token=secret, expect_errors=True)) == ["UNAUTHENTICATED"]
    result = await run_cli(app, "user", "deactivate", "zoe")
    assert result.exit_code == 0, result.output
    assert codes(await app.gql(query, token=session, expect_errors=True)) == ["UNAUTHENTICATED"]
    assert (await run_cli(app, "user", "reactivate", "zoe")).exit_code == 0
    result = await run_cli(app, "user", "reset-password", "zoe")
    temporary = re.search(r"next sign-in\): (\S+)", result.output).group(1)
    await app.gql(LOGIN, {"u": "zoe", "p": temporary})
