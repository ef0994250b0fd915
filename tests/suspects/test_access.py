"""Acceptance: without `suspects.view` no person comes out through any path; with it, each
person served leaves exactly one `record.view` audit event with the client's purpose."""

from __future__ import annotations

from core.codelists.sync import sync_code_lists
from core.testing import login_as
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import (
    CREATE,
    CREATE_CONVEYANCE,
    LINK,
    SUBMIT,
    count_views,
    gql,
    node_id,
    person_input,
    views,
)

SEIZURE_LINKS = """query($id: ID!) { node(id: $id) { ... on Seizure { reference
  links { relation entityType note entity { id ... on Person { familyName } } } } } }"""
SEARCH = """query($q: String!) { search(query: $q) { totalCount
  edges { node { __typename id ... on Person { familyName } } }
  facets { modules { value count } entityTypes { value count } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Person { familyName dateOfBirth } } }"
PERSONS = "{ persons { totalCount edges { node { id familyName } } } }"


async def _world(make_app):
    app = await make_app(modules=["seizures", "suspects"])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    analyst = await login_as(app, "analyst1", "analyst")  # seizures.view, not suspects.view
    validator = await login_as(app, "validator1", "validator")
    person = (
        await gql(app, CREATE, {"input": person_input(familyName="Zarkovic")}, token=officer)
    )["data"]["createPerson"]
    await gql(app, SUBMIT, {"id": person["id"], "v": 1}, token=officer)
    seizure = (await gql(app, CREATE_SEIZURE, {"input": simplified_input()}, token=officer))[
        "data"
    ]["createSeizure"]
    await gql(app, SUBMIT_SEIZURE, {"id": seizure["id"], "v": 1}, token=officer)
    await gql(app, LINK, {"s": seizure["id"], "r": "courier", "t": person["id"]}, token=officer)
    await app.instance.outbox.settle()
    return app, officer, analyst, validator, person, seizure


async def test_no_conveyance_without_suspects_view(make_app):
    app, officer, analyst, _validator, _person, _seizure = await _world(make_app)
    container = (
        await gql(
            app,
            CREATE_CONVEYANCE,
            {"input": {"kind": "CONTAINER", "containerNumber": "MSKU1234565"}},
            token=officer,
        )
    )["data"]["createConveyance"]
    await app.instance.outbox.settle()
    node = await gql(
        app, "query($id: ID!) { node(id: $id) { id } }", {"id": container["id"]}, token=analyst
    )
    assert node["data"]["node"] is None
    listed = await gql(app, "{ conveyances { totalCount } }", token=analyst, expect_errors=True)
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    found = (await gql(app, SEARCH, {"q": "identifiers:MSKU1234565"}, token=analyst))["data"]
    assert found["search"]["totalCount"] == 0
    seen = (await gql(app, SEARCH, {"q": "identifiers:MSKU1234565"}, token=officer))["data"]
    assert seen["search"]["totalCount"] == 1


async def test_no_person_without_suspects_view(make_app):
    app, _officer, analyst, _validator, person, seizure = await _world(make_app)
    before = await count_views(app)

    denied = await gql(app, PERSONS, token=analyst, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert denied.get("data") is None or denied["data"] is None
    one = await gql(
        app,
        "query($id: ID!) { person(id: $id) { id } }",
        {"id": person["id"]},
        token=analyst,
        expect_errors=True,
    )
    assert one["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(app, NODE, {"id": person["id"]}, token=analyst))["data"]["node"] is None

    links = (await gql(app, SEIZURE_LINKS, {"id": seizure["id"]}, token=analyst))["data"]["node"]
    assert links["reference"] == seizure["reference"]
    assert all(link["entity"] is None for link in links["links"])

    for query in ("Zarkovic", "zarkovic~", "K1234567", "", "countries:JO"):
        found = (await gql(app, SEARCH, {"q": query}, token=analyst))["data"]["search"]
        assert not [e for e in found["edges"] if e["node"]["__typename"] == "Person"]
        assert "Person" not in {f["value"] for f in found["facets"]["entityTypes"]}
        assert "suspects" not in {f["value"] for f in found["facets"]["modules"]}
    zarkovic = (await gql(app, SEARCH, {"q": "Zarkovic"}, token=analyst))["data"]["search"]
    assert zarkovic["totalCount"] == 0
    assert await count_views(app) == before  # nothing served, nothing audited


async def test_links_from_a_seizure_hide_persons_without_suspects_view(make_app):
    """The link itself (relation, entity type) must not reveal that a person is attached."""
    app, _officer, analyst, _validator, _person, seizure = await _world(make_app)
    links = (await gql(app, SEIZURE_LINKS, {"id": seizure["id"]}, token=analyst))["data"]["node"]
    assert [link for link in links["links"] if link["entityType"] == "Person"] == []


async def test_every_path_audits_each_person_served_once(make_app):
    app, officer, _analyst, validator, person, seizure = await _world(make_app)
    pid = node_id(person["id"])
    second = (
        await gql(
            app,
            CREATE,
            {"input": person_input(familyName="Okonkwo", givenNames="Ada", documents=[])},
            token=officer,
        )
    )["data"]["createPerson"]
    await gql(app, SUBMIT, {"id": second["id"], "v": 1}, token=officer)
    await app.instance.outbox.settle()

    async def served(query: str, variables: dict | None, purpose: str) -> list[str]:
        before = len(await views(app))
        await gql(app, query, variables, token=validator, purpose=purpose)
        events = (await views(app))[before:]
        assert {e.purpose for e in events} <= {purpose}
        return sorted(e.entity_id for e in events)

    both = sorted([pid, node_id(second["id"])])
    assert await served(PERSONS, None, "list") == both
    assert await served(NODE, {"id": person["id"]}, "node") == [pid]
    assert await served(SEIZURE_LINKS, {"id": seizure["id"]}, "links") == [pid]
    assert await served(SEARCH, {"q": "Zarkovic"}, "search") == [pid]
    # Served twice in one request (query, then node): audited once.
    twice = """query($id: ID!) { a: person(id: $id) { id } b: node(id: $id) { id } }"""
    assert await served(twice, {"id": person["id"]}, "twice") == [pid]
    # Counting (totalCount only) serves no person data.
    assert await served("{ persons(first: 0) { totalCount } }", None, "count") == []
