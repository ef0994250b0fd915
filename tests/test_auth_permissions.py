"""The `register_permissions` hook: prefix rule, default roles, admin changes kept at sync."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.types import Info

from core.auth import Permission, requires
from core.errors import ModuleLoadError
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.testing import login_as


@strawberry.type
class GadgetQuery:
    @strawberry.field(extensions=[requires("gadget.view")])
    def gadget_count(self, info: Info) -> int:
        return 3


class GadgetModule:
    info = ModuleInfo(name="gadget", version="0.1.0", label="Gadget (test)")

    def __init__(self, permissions: list[Permission] | None = None) -> None:
        self.permissions = permissions or [
            Permission("gadget.view", "View gadgets", default_roles=("analyst", "officer")),
            Permission("gadget.edit", "Edit gadgets", default_roles=("officer",)),
        ]

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return self.permissions

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[GadgetQuery])


async def test_module_permissions_get_their_default_roles(make_app):
    app = await make_app(modules=["gadget"], extra_modules=[GadgetModule()])
    admin = await login_as(app, "root", "admin")
    roles = (await app.gql("{ roles { name permissions } }", token=admin))["data"]["roles"]
    grants = {r["name"]: [p for p in r["permissions"] if p.startswith("gadget.")] for r in roles}
    assert grants["officer"] == ["gadget.edit", "gadget.view"]
    assert grants["analyst"] == ["gadget.view"]
    assert "gadget.view" not in grants["admin"]  # no data access by default
    analyst = await login_as(app, "ann", "analyst")
    assert (await app.gql("{ gadgetCount }", token=analyst))["data"]["gadgetCount"] == 3
    body = await app.gql("{ gadgetCount }", token=admin, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "bad",
    [
        Permission("seizures.view", "Not ours"),
        Permission("gadgetview", "No dot"),
        Permission("gadget.View", "Uppercase"),
        Permission("gadget.view", "Unknown role", default_roles=("janitor",)),
    ],
)
async def test_permission_outside_prefix_is_a_startup_error(make_app, bad):
    with pytest.raises(ModuleLoadError, match="gadget"):
        await make_app(modules=["gadget"], extra_modules=[GadgetModule([bad])])
