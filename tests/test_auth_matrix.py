"""The authorisation matrix, derived from the schema: every root query and mutation of every
enabled module, called as anonymous, as each role, as a deactivated user, with an expired
session and with an API token. A root field that nobody classified fails the test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_composite_type,
)
from sqlalchemy import update
from strawberry.relay import to_base64

from core.auth.accounts import SERVICE, create_user, set_active
from core.auth.api_tokens import create_token
from core.auth.guard import (
    Authenticated,
    Public,
    Requires,
    SignedIn,
    classify,
    root_fields,
    unclassified_fields,
)
from core.auth.models import Session, User
from core.auth.permissions import BUILTIN_ROLES, collect_permissions
from core.config import BUILTIN_MODULES
from core.db import utcnow
from core.testing import login_as
from tests.fixture_modules.alpha.module import AlphaModule
from tests.test_audit import DossierModule

AUTH_CODES = {"UNAUTHENTICATED", "FORBIDDEN", "PASSWORD_CHANGE_REQUIRED"}
SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": to_base64("Unknown", "1"),
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2026-01-01T00:00:00+00:00",
    "Date": "2026-01-01",
    "JSON": {},
}


def dummy(gql_type: Any) -> Any:
    """A syntactically valid value for an input type (required input fields only)."""
    if isinstance(gql_type, GraphQLNonNull):
        return dummy(gql_type.of_type)
    if isinstance(gql_type, GraphQLList):
        return [dummy(gql_type.of_type)]
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLInputObjectType):
        return {
            name: dummy(f.type)
            for name, f in gql_type.fields.items()
            if (isinstance(f.type, GraphQLNonNull) and f.default_value is None)
            or isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(gql_type, GraphQLScalarType)
    return SCALARS.get(gql_type.name, "x")


def operation(schema: Any, parent: str, name: str) -> tuple[str, dict[str, Any]]:
    field = schema._schema.get_type(parent).fields[name]
    required = {a: arg for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    call = ", ".join(f"{a}: ${a}" for a in required)
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    kind = "mutation" if parent == "Mutation" else "query"
    text = f"{kind}{f'({declared})' if declared else ''} {{ {name}{f'({call})' if call else ''}{selection} }}"
    return text, {a: dummy(arg.type) for a, arg in required.items()}


def build_app_modules() -> tuple[list[str], list[Any]]:
    return [*BUILTIN_MODULES, "dossier"], [DossierModule()]


async def test_every_root_field_is_classified(make_app):
    modules, extra = build_app_modules()
    app = await make_app(modules=modules, extra_modules=extra)
    missing = unclassified_fields(app.instance.schema)
    assert missing == [], (
        f"root fields without an access rule: {missing}. Add "
        "`extensions=[requires('<module>.<perm>')]`, `[authenticated()]` or `[public()]` "
        "(core.auth) to each; see docs/security.md"
    )


async def test_unclassified_fields_are_detected(make_app):
    app = await make_app(modules=["alpha"], extra_modules=[AlphaModule()])
    assert {"Query.alphaItems", "Mutation.addAlphaItem"} <= set(
        unclassified_fields(app.instance.schema)
    )


async def test_authorisation_matrix(make_app):
    modules, extra = build_app_modules()
    app = await make_app(modules=modules, extra_modules=extra)
    instance = app.instance
    declared = collect_permissions(instance.pm, instance.module_names)
    defaults = {d.permission.name: set(d.permission.default_roles) for d in declared}

    principals: dict[str, tuple[str | None, Any]] = {"anonymous": (None, None)}
    for role in BUILTIN_ROLES:
        principals[role] = (await login_as(app, f"m-{role}", role), role)
    data_roles = [role for role in BUILTIN_ROLES if role != "admin"]
    principals["deactivated"] = (await login_as(app, "m-gone", *data_roles), "deactivated")
    await set_active(instance, "tests", "m-gone", False)
    principals["expired"] = (await login_as(app, "m-late", *data_roles), "expired")
    async with instance.db.transaction() as session:
        late = (
            await session.execute(User.__table__.select().where(User.username == "m-late"))
        ).first()
        await session.execute(
            update(Session)
            .where(Session.user_id == late.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    await create_user(
        instance, "tests", "m-robot", roles=["officer", "analyst", "auditor"], kind=SERVICE
    )
    scopes = ["core.audit.read", "dossier.view"]
    secret, _ = await create_token(
        instance, "tests", username="m-robot", name="matrix", scopes=scopes, expires_in_days=1
    )
    principals["api-token"] = (secret, "token")

    def expected(rule: Any, who: Any) -> str | None:
        """None when allowed, else the error code the caller must get."""
        if isinstance(rule, Public):
            return None
        if who in (None, "deactivated", "expired"):
            return "UNAUTHENTICATED"
        if isinstance(rule, Authenticated):
            return "FORBIDDEN" if who == "token" else None
        if isinstance(rule, SignedIn):
            return None
        assert isinstance(rule, Requires)
        if who == "token":
            robot = defaults.get(rule.permission, set()) & {"officer", "analyst", "auditor"}
            return None if rule.permission in scopes and robot else "FORBIDDEN"
        return None if who in defaults.get(rule.permission, set()) else "FORBIDDEN"

    fields = [
        (parent, name, classify(parent, field))
        for parent, name, field in root_fields(instance.schema)
        if classify(parent, field) is not None
    ]
    fields.sort(key=lambda f: f[1] == "logout")  # logout ends the session: run it last
    assert len(fields) > 20
    failures = []
    for label, (token, who) in principals.items():
        for parent, name, rule in fields:
            text, variables = operation(instance.schema, parent, name)
            body = await app.gql(text, variables, token=token, expect_errors=True)
            got = {
                e.get("extensions", {}).get("code")
                for e in body.get("errors", [])
                if e.get("path", [name])[0] == name
            } & AUTH_CODES
            want = expected(rule, who)
            if (want is None and got) or (want is not None and got != {want}):
                failures.append(
                    f"{label} {parent}.{name} ({rule.describe()}): want {want}, got {got}"
                )
    assert failures == [], "\n".join(failures)
