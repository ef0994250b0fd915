"""A disabled module leaves no trace in what the API lists: its permissions (`permissions`,
`me.permissions`, `roles`), its code lists and the entries it adds to other lists, and the
values of its extension fields in records' `extra`. Everything stays stored, and comes back
when the module is enabled again (acceptance of issue 12, item 8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.testing import login_as
from plugins.seizures.models import Case
from tests.seizures.helpers import CREATE, simplified_input

ALL = ["seizures", "suspects", "companies", "country_example"]
PERMISSIONS = "{ permissions { name module } }"
ME = "{ me { permissions } }"
ROLES = "{ roles { name permissions } }"
CODE_LISTS = "{ codeLists { name } }"
SET_ROLE = """mutation($r: String!, $p: [String!]!) {
  setRolePermissions(role: $r, permissions: $p) { permissions } }"""
ENTRIES = """query($n: String!) { codeList(name: $n) { name entries { code } } }"""
EXTRA = "query($id: ID!) { seizure(id: $id) { extra } }"


def foreign(names: list[str]) -> list[str]:
    return [n for n in names if n.startswith(("seizures", "suspects", "country_example"))]


async def test_with_companies_only_nothing_of_the_other_modules_is_listed(make_app: Any) -> None:
    everything = await make_app(modules=ALL, code_lists=True)  # permissions and lists stored
    admin = await login_as(everything, "admin1", "admin")
    listed = await everything.gql(PERMISSIONS, token=admin)
    assert foreign([p["name"] for p in listed["data"]["permissions"]])  # the check can fail
    await everything.close()

    companies = await make_app(modules=["companies"])
    admin = await login_as(companies, "admin2", "admin")
    officer = await login_as(companies, "officer2", "officer")

    listed = await companies.gql(PERMISSIONS, token=admin)
    names = [p["name"] for p in listed["data"]["permissions"]]
    assert "companies.view" in names and "core.users.manage" in names
    assert foreign(names) == []
    assert {p["module"] for p in listed["data"]["permissions"]} == {"core", "companies"}

    mine = (await companies.gql(ME, token=officer))["data"]["me"]["permissions"]
    assert "companies.edit" in mine and foreign(mine) == []
    roles = (await companies.gql(ROLES, token=admin))["data"]["roles"]
    assert all(foreign(r["permissions"]) == [] for r in roles)

    lists = [c["name"] for c in (await companies.gql(CODE_LISTS))["data"]["codeLists"]]
    assert "companies_legal_forms" in lists and "countries" in lists
    assert [n for n in lists if n.startswith(("seizures_", "suspects_", "country_"))] == []
    gone = await companies.gql(ENTRIES, {"n": "seizures_areas"})
    assert gone["data"]["codeList"] is None

    refused = await companies.gql(
        SET_ROLE, {"r": "officer", "p": ["seizures.edit"]}, token=admin, expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["field"] == "permissions"
    upsert = await companies.gql(
        """mutation { upsertCodeListEntry(input: {list: "seizures_areas", code: "x",
           labels: [{language: "en", label: "X"}]}) { code } }""",
        token=await login_as(companies, "lists", "admin"),
        expect_errors=True,
    )
    assert upsert["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # Changing a role here leaves the grants of the disabled modules as they are.
    await companies.gql(SET_ROLE, {"r": "officer", "p": ["companies.view"]}, token=admin)
    await companies.close()

    again = await make_app(modules=ALL)
    officer = await login_as(again, "officer3", "officer")
    mine = (await again.gql(ME, token=officer))["data"]["me"]["permissions"]
    assert "seizures.edit" in mine and "suspects.edit" in mine
    assert "companies.edit" not in mine  # the change made meanwhile holds


async def test_entries_a_disabled_plugin_adds_to_a_list_are_not_served(make_app: Any) -> None:
    await make_app(modules=["seizures", "country_example"], code_lists=True)
    plain = await make_app(modules=["seizures"])
    listed = await plain.gql(ENTRIES, {"n": "seizures_detection_methods"})
    codes = {e["code"] for e in listed["data"]["codeList"]["entries"]}
    assert "xray_scanner" in codes and "customs_drone" not in codes
    extended = await make_app(modules=["seizures", "country_example"])
    listed = await extended.gql(ENTRIES, {"n": "seizures_detection_methods"})
    assert "customs_drone" in {e["code"] for e in listed["data"]["codeList"]["entries"]}


async def test_a_disabled_plugins_extension_values_are_kept_but_not_served(
    make_app: Any,
) -> None:
    extended = await make_app(modules=["seizures", "country_example"], code_lists=True)
    officer = await login_as(extended, "officer1", "officer")
    data = simplified_input(extra={"permitNumber": "P-7731", "nationalRegion": "NORTH"})
    created = (await extended.gql(CREATE, {"input": data}, token=officer))["data"]["createSeizure"]
    shown = await extended.gql(EXTRA, {"id": created["id"]}, token=officer)
    assert shown["data"]["seizure"]["extra"] == {
        "permitNumber": "P-7731",
        "nationalRegion": "NORTH",
    }
    await extended.close()

    plain = await make_app(modules=["seizures"])
    officer = await login_as(plain, "officer2", "officer")
    validator = await login_as(plain, "validator2", "validator")
    hidden = await plain.gql(EXTRA, {"id": created["id"]}, token=validator)
    assert hidden["data"]["seizure"]["extra"] == {}
    async with plain.instance.db.session() as session:
        stored = (await session.scalars(select(Case.extra))).one()
    assert stored == {"permitNumber": "P-7731", "nationalRegion": "NORTH"}
    await plain.close()

    back = await make_app(modules=["seizures", "country_example"])
    validator = await login_as(back, "validator3", "validator")
    shown = await back.gql(EXTRA, {"id": created["id"]}, token=validator)
    assert shown["data"]["seizure"]["extra"] == {
        "permitNumber": "P-7731",
        "nationalRegion": "NORTH",
    }
