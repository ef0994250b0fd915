"""With suspects disabled: seizures work unchanged and show no trace of persons; the persons
(and their links) are intact when the module comes back."""

from __future__ import annotations

from sqlalchemy import func, select

from core.codelists.sync import sync_code_lists
from core.testing import login_as
from plugins.suspects.models import Person
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import CREATE, LINK, SUBMIT, gql, person_input

LINKS = """query($id: ID!) { node(id: $id) { ... on Seizure { reference
  links { relation entityType } } } }"""


async def test_disabled_suspects_leave_no_trace(make_app):
    app = await make_app(modules=["seizures", "suspects"])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    person = (await gql(app, CREATE, {"input": person_input()}, token=officer))["data"][
        "createPerson"
    ]
    await gql(app, SUBMIT, {"id": person["id"], "v": 1}, token=officer)
    seizure = (await gql(app, CREATE_SEIZURE, {"input": simplified_input()}, token=officer))[
        "data"
    ]["createSeizure"]
    await gql(app, SUBMIT_SEIZURE, {"id": seizure["id"], "v": 1}, token=officer)
    await gql(app, LINK, {"s": seizure["id"], "r": "offender", "t": person["id"]}, token=officer)
    await app.instance.outbox.settle()
    await app.close()

    seizures_only = await make_app(modules=["seizures"])
    officer = await login_as(seizures_only, "officer2", "officer")
    schema = (
        await seizures_only.gql(
            "{ __schema { types { name } queryType { fields { name } } "
            "mutationType { fields { name } } } }",
            token=officer,
        )
    )["data"]["__schema"]
    names = {t["name"] for t in schema["types"]}
    assert not names & {
        "Person",
        "Vehicle",
        "Vessel",
        "Aircraft",
        "Container",
        "MeansOfConveyance",
        "PersonInput",
        "PersonCategory",
    }
    fields = {f["name"] for f in schema["queryType"]["fields"] + schema["mutationType"]["fields"]}
    assert not [f for f in fields if "person" in f.lower() or "conveyance" in f.lower()]
    links = (await gql(seizures_only, LINKS, {"id": seizure["id"]}, token=officer))["data"]
    assert links["node"]["reference"] == seizure["reference"]
    assert links["node"]["links"] == []
    found = await gql(
        seizures_only,
        '{ search(query: "") { totalCount facets { modules { value } entityTypes { value } } } }',
        token=officer,
    )
    assert found["data"]["search"]["totalCount"] == 1
    assert found["data"]["search"]["facets"]["modules"] == [{"value": "seizures"}]
    again = await gql(seizures_only, CREATE_SEIZURE, {"input": simplified_input()}, token=officer)
    assert again["data"]["createSeizure"]["status"] == "DRAFT"
    async with seizures_only.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
    await seizures_only.close()

    back = await make_app(modules=["seizures", "suspects"])
    validator = await login_as(back, "validator1", "validator")
    restored = (await gql(back, LINKS, {"id": seizure["id"]}, token=validator))["data"]["node"]
    assert restored["links"] == [{"relation": "offender", "entityType": "Person"}]
