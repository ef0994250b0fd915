"""The list reads pages with Core rows; what it serves must equal the single-record read (ORM),
and its SQL statements must not grow with the page, even past selectinload's 500-id chunks."""

from __future__ import annotations

from sqlalchemy import event

from core.codelists.sync import sync_code_lists
from core.config import GraphQLSettings
from plugins.seizures import demo
from tests.attachment_helpers import jpeg_with_gps
from tests.seizures.helpers import CREATE, completion, seizures_app, simplified_input, tokens

NODE = """id reference status form version completeness missingFields seizureDate seizureTime
  reportingOffice place { country code name locationType } direction area offenceType
  detectionMethod riskIndicators narrative internalNotes createdAt updatedAt submittedAt
  validatedAt extra
  concealment { method description photos { id mediaType width height url thumbnailUrl } }
  conveyance { transportMode type identifier vesselImo country containers }
  goods { position commodity hsCode description brand quantity unit pieces value currency }
  route { position role country place date }
  offenders { count nationality gender ageBand role }"""

LIST = f"query($n: Int) {{ seizures(first: $n) {{ totalCount edges {{ node {{ {NODE} }} }} }} }}"
ONE = f"query($id: ID!) {{ seizure(id: $id) {{ {NODE} }} }}"


async def upload_photo(app, token: str) -> str:
    response = await app.client.post(
        "/attachments",
        files={"file": ("wall.jpg", jpeg_with_gps())},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


async def test_each_listed_seizure_equals_its_single_read(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 12)
    photo = await upload_photo(app, who["officer"])
    full = {**simplified_input(), **completion()}
    full["concealment"] = {**full["concealment"], "photos": [photo]}
    created = await app.gql(CREATE, {"input": full}, token=who["officer"])
    assert "errors" not in created, created
    simplified = await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"])
    assert "errors" not in simplified, simplified

    listed = (await app.gql(LIST, {"n": 50}, token=who["officer"]))["data"]["seizures"]
    nodes = [edge["node"] for edge in listed["edges"]]
    assert len(nodes) == listed["totalCount"] > 1
    for node in nodes:
        single = (await app.gql(ONE, {"id": node["id"]}, token=who["officer"]))["data"]
        assert single["seizure"] == node
    mine = next(n for n in nodes if n["concealment"]["photos"])
    assert [p["id"] for p in mine["concealment"]["photos"]] == [photo]
    assert mine["completeness"] == 1.0 and mine["missingFields"] == []
    assert any(n["missingFields"] and n["completeness"] < 1 for n in nodes)  # the simplified one

    # Another officer sees neither the draft nor, therefore, its photo.
    others = (await app.gql(LIST, {"n": 50}, token=who["officer2"]))["data"]["seizures"]
    assert created["data"]["createSeizure"]["id"] not in {
        edge["node"]["id"] for edge in others["edges"]
    }


async def statements(app, token: str, first: int) -> int:
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal count
        if "seizures_" in statement or "core_a" in statement:  # cases, attachments, audit
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(LIST, {"n": first}, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(body["data"]["seizures"]["edges"]) == first
    return count


async def test_statements_do_not_grow_past_500_rows(make_app):
    app = await make_app(
        modules=["seizures"], graphql=GraphQLSettings(max_page_size=1000, max_cost=200_000)
    )
    await sync_code_lists(app.instance)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load_bulk(session, "XX", 700)
    counts = {n: await statements(app, who["validator"], n) for n in (3, 300, 650)}
    assert len(set(counts.values())) == 1, counts


async def test_pages_follow_each_other_with_the_cursor(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 23)
    page = """query($after: String) { seizures(first: 10, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { reference } } } }"""
    everything = await app.gql(LIST, {"n": 50}, token=who["validator"])
    expected = [e["node"]["reference"] for e in everything["data"]["seizures"]["edges"]]
    seen: list[str] = []
    after = None
    while True:
        body = (await app.gql(page, {"after": after}, token=who["validator"]))["data"]["seizures"]
        assert body["totalCount"] == 23
        seen += [e["node"]["reference"] for e in body["edges"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == expected and len(seen) == 23
