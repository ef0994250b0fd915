"""The plugin's own tests, written with ncen's test kit only (the `make_app` fixture and
`login_as`, from the pytest plugin that ships with ncen). Run them from this directory:

    python -m pytest

Each test runs on SQLite, and again on PostgreSQL when NCEN_TEST_POSTGRESQL_URL is set.
"""

from __future__ import annotations

from typing import Any

from core.testing import TestApp, login_as

MODULES = ["seizures", "country_example"]
CREATE = "mutation($input: SeizureInput!) { createSeizure(input: $input) { id } }"
SUBMIT = "mutation($id: ID!) { submitSeizure(id: $id, version: 1) { status } }"
VALIDATE = "mutation($id: ID!) { validateSeizure(id: $id, version: 2) { status } }"
EXTRA = "query($id: ID!) { seizure(id: $id) { extra } }"
FORM = """{ formSchema(entityType: "Seizure", language: "fr") {
  fields { name label extension module codeList } } }"""


def seizure(**extra: str) -> dict[str, Any]:
    """A simplified seizure record with national values in `extra`."""
    return {
        "seizureDate": "2026-03-05",
        "place": {"country": "NL"},
        "area": "drugs",
        "detectionMethod": "customs_drone",  # this plugin's entry in the seizures list
        "goods": [{"commodity": "cocaine", "quantity": "12.5", "unit": "KGM"}],
        "extra": extra,
    }


async def create(app: TestApp, token: str, **extra: str) -> str:
    body = await app.gql(CREATE, {"input": seizure(**extra)}, token=token)
    return body["data"]["createSeizure"]["id"]


async def test_the_national_fields_are_in_the_form(make_app):
    app = await make_app(modules=MODULES, code_lists=True)
    body = await app.gql(FORM)
    fields = {f["name"]: f for f in body["data"]["formSchema"]["fields"]}
    region = fields["nationalRegion"]
    assert (region["extension"], region["module"]) == (True, "country_example")
    assert (region["label"], region["codeList"]) == ("Région nationale", "country_example_regions")
    assert fields["permitNumber"]["extension"]
    assert not fields["area"]["extension"]


async def test_national_values_are_stored_searched_and_counted(make_app):
    app = await make_app(modules=MODULES, code_lists=True)
    officer = await login_as(app, "officer", "officer")
    validator = await login_as(app, "validator", "validator")
    analyst = await login_as(app, "analyst", "analyst")

    seizure_id = await create(app, officer, permitNumber="P-7731", nationalRegion="COAST")
    await app.gql(SUBMIT, {"id": seizure_id}, token=officer)
    await app.gql(VALIDATE, {"id": seizure_id}, token=validator)

    shown = await app.gql(EXTRA, {"id": seizure_id}, token=analyst)
    assert shown["data"]["seizure"]["extra"] == {
        "permitNumber": "P-7731",
        "nationalRegion": "COAST",
    }
    totals = await app.gql("{ seizuresByNationalRegion { region seizures } }", token=analyst)
    assert totals["data"]["seizuresByNationalRegion"] == [{"region": "COAST", "seizures": 1}]
    await app.instance.outbox.settle()  # the search index is updated after commit
    hits = await app.gql('{ search(query: "P-7731") { totalCount } }', token=analyst)
    assert hits["data"]["search"]["totalCount"] == 1


async def test_an_unknown_region_is_a_field_error_naming_the_list(make_app):
    app = await make_app(modules=MODULES, code_lists=True)
    officer = await login_as(app, "officer", "officer")
    refused = await app.gql(
        CREATE, {"input": seizure(nationalRegion="ATLANTIS")}, token=officer, expect_errors=True
    )
    error = refused["errors"][0]["extensions"]
    assert (error["field"], error["list"]) == ("extra.nationalRegion", "country_example_regions")


async def test_disabled_the_plugin_leaves_no_trace_and_loses_nothing(make_app):
    app = await make_app(modules=MODULES, code_lists=True)
    officer = await login_as(app, "officer", "officer")
    seizure_id = await create(app, officer, nationalRegion="NORTH")
    await app.close()

    plain = await make_app(modules=["seizures"])  # the same database, without the plugin
    officer = await login_as(plain, "officer2", "officer")
    validator = await login_as(plain, "validator2", "validator")
    refused = await plain.gql(
        CREATE, {"input": seizure(nationalRegion="NORTH")}, token=officer, expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["field"] == "extra.nationalRegion"
    hidden = await plain.gql(EXTRA, {"id": seizure_id}, token=validator)
    assert hidden["data"]["seizure"]["extra"] == {}
    await plain.close()

    back = await make_app(modules=MODULES)
    validator = await login_as(back, "validator3", "validator")
    shown = await back.gql(EXTRA, {"id": seizure_id}, token=validator)
    assert shown["data"]["seizure"]["extra"] == {"nationalRegion": "NORTH"}
