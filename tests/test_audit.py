"""The audit log: one event per operation class, a verifiable hash chain, refused UPDATE and
DELETE, and `ncen audit verify` naming a tampered row."""

from __future__ import annotations

import asyncio

import pytest
import strawberry
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from strawberry.types import Info

from core import audit
from core.audit.verify import verify_chain
from core.auth import Permission, requires
from core.cli import cli
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.testing import login_as

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
EVENTS = "{ auditEvents(first: 200) { edges { node { seq action entityType entityId fields purpose actorName detail } } } }"


@strawberry.type
class Dossier:
    id: int
    name: str


async def _write(info: Info[Context, None], action: str, dossier_id: int, **extra) -> None:
    async with info.context.instance.db.transaction() as session:
        # ... the module's own write would be here, in the same transaction ...
        await audit.record(
            session,
            actor=info.context.principal,
            action=action,
            entity_type="Dossier",
            entity_id=dossier_id,
            purpose=audit.request_purpose(info.context.request.headers),
            **extra,
        )


@strawberry.type
class DossierQuery:
    @strawberry.field(extensions=[requires("dossier.view")])
    async def dossiers(self, info: Info[Context, None], ids: list[int]) -> list[Dossier]:
        async with info.context.instance.db.transaction() as session:
            await audit.record_consultation(
                session,
                actor=info.context.principal,
                entity_type="Dossier",
                entity_ids=ids,
                purpose=audit.request_purpose(info.context.request.headers),
            )
        return [Dossier(id=i, name=f"dossier {i}") for i in ids]


@strawberry.type
class DossierMutation:
    @strawberry.mutation(extensions=[requires("dossier.edit")])
    async def change_dossier(self, info: Info[Context, None], id: int, step: str) -> bool:
        if step == "create":
            await _write(info, "record.create", id, fields=["name", "status"])
        elif step == "update":
            await _write(info, "record.update", id, fields=["name"])
        elif step == "status":
            await _write(info, "record.status", id, fields=["status"], detail={"to": "valid"})
        elif step == "delete":
            await _write(info, "record.delete", id)
        elif step == "export":
            await _write(info, "record.export", id, detail={"format": "csv"})
        return True


class DossierModule:
    info = ModuleInfo(name="dossier", version="0.1.0", label="Dossier (test)")

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission("dossier.view", "View", default_roles=("officer",)),
            Permission("dossier.edit", "Edit", default_roles=("officer",)),
        ]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[DossierQuery], mutations=[DossierMutation])


async def run_cli(app, *args: str, stdin: str | None = None):
    config = app.instance.config
    env = {
        "NCEN_DATABASE_URL": config.database_url,
        "NCEN_DATA_DIR": str(config.data_dir),
        "NCEN_MODULES": "",
        "NCEN_CONFIG": "",
        # Fast hashing in tests only (the same values as core.testing.TEST_AUTH).
        "NCEN_AUTH_ARGON2_TIME_COST": "1",
        "NCEN_AUTH_ARGON2_MEMORY_COST": "8",
        "NCEN_AUTH_ARGON2_PARALLELISM": "1",
    }
    return await asyncio.to_thread(
        CliRunner().invoke, cli, list(args), env=env, obj={}, input=stdin
    )


async def tamper(app, sql: str) -> None:
    """What a DBA with full rights could do: get past the triggers, then change a row."""
    async with app.instance.db.transaction() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("ALTER TABLE core_audit_event DISABLE TRIGGER USER"))
            await session.execute(text(sql))
            await session.execute(text("ALTER TABLE core_audit_event ENABLE TRIGGER USER"))
        else:
            await session.execute(text("DROP TRIGGER core_audit_event_no_update"))
            await session.execute(text(sql))


async def test_every_operation_class_is_audited_and_the_chain_verifies(make_app):
    app = await make_app(modules=["dossier"], extra_modules=[DossierModule()])
    admin = await login_as(app, "root", "admin")
    officer = await login_as(app, "olga", "officer")
    await app.gql(LOGIN, {"u": "olga", "p": "wrong password here"}, expect_errors=True)
    for mutation in (
        'createUser(input: {username: "temp", roles: ["analyst"]}) { user { id } }',
        'updateUser(username: "temp", input: {unit: "Port"}) { id }',
        'setUserRoles(username: "temp", roles: ["auditor"]) { id }',
        'setRolePermissions(role: "analyst", permissions: ["dossier.view"]) { name }',
        'createUser(input: {username: "svc-sync", roles: ["admin"], serviceAccount: true}) '
        "{ user { id } }",
        'createApiToken(input: {username: "svc-sync", name: "sync", '
        'scopes: ["core.users.manage"]}) { secret }',
        'revokeApiToken(id: "1") { id }',
        'resetPassword(username: "temp") { temporaryPassword }',
        'deactivateUser(username: "temp") { id }',
        'reactivateUser(username: "temp") { id }',
    ):
        await app.gql(f"mutation {{ {mutation} }}", token=admin)
    for step in ("create", "update", "status", "delete", "export"):
        await app.gql(f'mutation {{ changeDossier(id: 7, step: "{step}") }}', token=officer)
    response = await app.client.post(
        "/graphql",
        json={"query": "{ dossiers(ids: [1, 2, 3]) { id } }"},
        headers={"authorization": f"Bearer {officer}", "ncen-purpose": "case 2026/17"},
    )
    assert "errors" not in response.json()
    await app.gql("mutation { logout }", token=officer)
    auditor = await login_as(app, "aud", "auditor")
    await app.gql(EVENTS, token=auditor)
    events = [
        e["node"] for e in (await app.gql(EVENTS, token=auditor))["data"]["auditEvents"]["edges"]
    ]
    actions = {e["action"] for e in events}
    assert {
        "auth.login.success",
        "auth.login.failure",
        "auth.logout",
        "user.create",
        "user.update",
        "user.roles.set",
        "user.password.reset",
        "user.deactivate",
        "user.reactivate",
        "role.permissions.set",
        "token.create",
        "token.revoke",
        "record.create",
        "record.update",
        "record.status",
        "record.delete",
        "record.export",
        "record.view",
        "audit.read",
    } <= actions, actions
    # One consultation event for the request, naming every record served.
    [view] = [e for e in events if e["action"] == "record.view"]
    assert sorted(view["detail"]["ids"]) == ["1", "2", "3"] and view["purpose"] == "case 2026/17"
    update = next(e for e in events if e["action"] == "record.update")
    assert update["fields"] == ["name"] and update["actorName"] == "olga"
    assert [e["seq"] for e in events] == sorted((e["seq"] for e in events), reverse=True)
    report = await verify_chain(app.instance.db)
    assert report.ok and report.checked == len(events) + 1  # + the audit.read of this page


async def test_update_and_delete_on_the_audit_table_are_refused(make_app):
    app = await make_app(modules=[])
    await login_as(app, "root", "admin")
    for sql in (
        "UPDATE core_audit_event SET action = 'x'",
        "DELETE FROM core_audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with app.instance.db.transaction() as session:
                await session.execute(text(sql))


async def test_audit_verify_names_the_tampered_row(make_app):
    app = await make_app(modules=[])
    await login_as(app, "root", "admin")
    await login_as(app, "second", "auditor")
    result = await run_cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    await tamper(app, "UPDATE core_audit_event SET actor_name = 'someone else' WHERE seq = 2")
    result = await run_cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert "broken at event #2" in result.output and "altered" in result.output


async def test_concurrent_appends_do_not_fork_the_chain(make_app):
    app = await make_app(modules=[])

    async def append(i: int) -> None:
        async with app.instance.db.transaction() as session:
            await audit.record(session, actor="tests", action="test.append", entity_id=i)

    await asyncio.gather(*(append(i) for i in range(20)))
    report = await verify_chain(app.instance.db)
    assert report.ok and report.checked == 20
