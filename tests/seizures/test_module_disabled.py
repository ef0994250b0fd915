"""With seizures disabled: no type or field in the schema, no hit in search, data untouched."""

from __future__ import annotations

from sqlalchemy import select

from core.testing import login_as
from plugins.seizures.models import Case
from tests.seizures.helpers import CREATE, SUBMIT, seizures_app, simplified_input, tokens


async def test_disabled_seizures_leave_no_trace_and_lose_nothing(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    created = (await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT, {"id": created["id"], "v": 1}, token=who["officer"])
    await app.instance.outbox.settle()
    hits = await app.gql('{ search(query: "cocaine") { totalCount } }', token=who["analyst"])
    assert hits["data"]["search"]["totalCount"] == 1
    await app.close()

    without = await make_app(modules=["companies"])
    token = await login_as(without, "analyst2", "analyst")
    types = await without.gql(
        "{ __schema { types { name } queryType { fields { name } } } }", token=token
    )
    names = {t["name"] for t in types["data"]["__schema"]["types"]}
    fields = {f["name"] for f in types["data"]["__schema"]["queryType"]["fields"]}
    assert not {n for n in names if "Seizure" in n or n.startswith("ConcealmentGallery")}
    assert not {f for f in fields if "seizure" in f.lower()}
    body = await without.gql(
        '{ search(query: "cocaine") { totalCount facets { modules { value } } } }', token=token
    )
    assert body["data"]["search"]["totalCount"] == 0
    assert body["data"]["search"]["facets"]["modules"] == []
    node = await without.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": created["id"]}, token=token
    )
    assert node["data"]["node"] is None
    async with without.instance.db.session() as session:
        case = await session.scalar(select(Case))
    assert (
        case is not None and case.reference == created["reference"] and case.status == "submitted"
    )
    await without.close()

    again = await make_app(modules=["seizures"])
    token = await login_as(again, "analyst3", "analyst")
    back = await again.gql(
        '{ search(query: "cocaine") { totalCount } seizures { totalCount } }', token=token
    )
    assert back["data"]["search"]["totalCount"] == 1
    assert back["data"]["seizures"]["totalCount"] == 1
