"""The example country plugin, installed as a separate distribution (`make test` installs it),
adds national fields to seizures, national code-list entries, and one query."""

from __future__ import annotations

from importlib.metadata import entry_points

from core.plugins import ENTRY_POINT_GROUP
from core.testing import login_as
from tests.seizures.helpers import CREATE, SUBMIT, VALIDATE, seizures_app, simplified_input, tokens

MODULES = ["seizures", "country_example"]


def test_the_plugin_is_installed_as_its_own_distribution():
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert "country_example" in found, "run `make install-dev`: it installs examples/country-plugin"
    assert found["country_example"].dist.name == "ncen-country-example"


async def test_national_fields_codes_and_query(make_app):
    app = await seizures_app(make_app, MODULES)
    who = await tokens(app)

    form = await app.gql(
        '{ formSchema(entityType: "Seizure", language: "fr") { fields { name label extension module codeList } } }'
    )
    fields = {f["name"]: f for f in form["data"]["formSchema"]["fields"]}
    assert (
        fields["nationalRegion"]["extension"]
        and fields["nationalRegion"]["module"] == "country_example"
    )
    assert fields["nationalRegion"]["label"] == "Région nationale"
    assert fields["nationalRegion"]["codeList"] == "country_example_regions"
    assert not fields["area"]["extension"]

    methods = await app.gql(
        '{ codeList(name: "seizures_detection_methods", language: "fr") { entries { code label } } }'
    )
    entries = {e["code"]: e["label"] for e in methods["data"]["codeList"]["entries"]}
    assert entries["customs_drone"] == "Patrouille de drone douanier"

    data = simplified_input(
        detectionMethod="customs_drone", extra={"permitNumber": "P-7731", "nationalRegion": "COAST"}
    )
    created = (await app.gql(CREATE, {"input": data}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT, {"id": created["id"], "v": 1}, token=who["officer"])
    await app.gql(VALIDATE, {"id": created["id"], "v": 2}, token=who["validator"])

    bad = simplified_input(extra={"nationalRegion": "ATLANTIS"})
    refused = await app.gql(CREATE, {"input": bad}, token=who["officer"], expect_errors=True)
    assert refused["errors"][0]["extensions"]["field"] == "extra.nationalRegion"
    assert refused["errors"][0]["extensions"]["list"] == "country_example_regions"

    totals = await app.gql("{ seizuresByNationalRegion { region seizures } }", token=who["analyst"])
    assert totals["data"]["seizuresByNationalRegion"] == [{"region": "COAST", "seizures": 1}]

    await app.instance.outbox.settle()
    hits = await app.gql('{ search(query: "P-7731") { totalCount } }', token=who["analyst"])
    assert hits["data"]["search"]["totalCount"] == 1
    stored = await app.gql(
        "query($id: ID!) { seizure(id: $id) { extra } }",
        {"id": created["id"]},
        token=who["analyst"],
    )
    assert stored["data"]["seizure"]["extra"] == {
        "permitNumber": "P-7731",
        "nationalRegion": "COAST",
    }


async def test_seizures_work_without_the_plugin_and_keep_its_values(make_app):
    app = await seizures_app(make_app, MODULES)
    who = await tokens(app)
    data = simplified_input(extra={"nationalRegion": "NORTH"})
    created = (await app.gql(CREATE, {"input": data}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    await app.close()

    plain = await seizures_app(make_app, ["seizures"])
    token = await login_as(plain, "officer9", "officer")
    unknown = await plain.gql(
        CREATE,
        {"input": simplified_input(extra={"nationalRegion": "NORTH"})},
        token=token,
        expect_errors=True,
    )
    assert unknown["errors"][0]["extensions"]["field"] == "extra.nationalRegion"
    validator = await login_as(plain, "validator9", "validator")
    kept = await plain.gql(
        "query($id: ID!) { seizure(id: $id) { extra } }", {"id": created["id"]}, token=validator
    )
    assert kept["data"]["seizure"]["extra"] == {"nationalRegion": "NORTH"}
