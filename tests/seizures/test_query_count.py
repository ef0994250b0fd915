"""A list of N seizures with goods, legs and history costs a constant number of SQL statements."""

from __future__ import annotations

from sqlalchemy import event

from plugins.seizures import demo
from tests.seizures.helpers import seizures_app, tokens
from tests.statements import statements

LIST = """{ seizures(first: 100) { totalCount edges { node {
  reference goods { commodity quantity } route { country } conveyance { containers }
  riskIndicators offenders { count } history { action actor } } } } }"""


async def statements_for_list(app, token) -> int:
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # Only the module's reads: authentication may or may not refresh the session's
        # last-use time on a given request, which is not what this test is about.
        nonlocal count
        if "seizures_" in statement or "core_audit_event" in statement:
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(LIST, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count, body["data"]["seizures"]["totalCount"]


async def test_statement_count_does_not_grow_with_the_number_of_seizures(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 5)
    few, total_few = await statements_for_list(app, who["validator"])
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 60, seed=7)
    many, total_many = await statements_for_list(app, who["validator"])
    assert (total_few, total_many) == (5, 65)
    assert few == many, (few, many)
    assert many <= 10  # page, count, five child collections, history


async def test_a_page_reads_what_its_selection_asks_for(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 12)
    token = who["validator"]
    await app.gql("{ me { via } }", token=token)  # the credential is verified and cached

    plain = "{ seizures(first: 10) { edges { node { reference status } } } }"
    count, data = await statements(app, plain, token)
    assert count == 1 and len(data["seizures"]["edges"]) == 10
    count, data = await statements(
        app, "{ seizures(first: 10) { totalCount edges { node { reference } } } }", token
    )
    assert count <= 2 and data["seizures"]["totalCount"] == 12

    # Fields asked for through fragments are served, and from the same reads as directly.
    full = """{ seizures(first: 10) { edges { node { reference goods { commodity }
      conveyance { containers } riskIndicators offenders { count } route { country }
      concealment { photos { id } } } } } }"""
    _, direct = await statements(app, full, token)
    fragments = """{ seizures(first: 10) { ...page } }
      fragment page on SeizureConnection { edges { node { reference ... on Seizure {
        goods { commodity } conveyance { containers } riskIndicators offenders { count }
        route { country } concealment { photos { id } } } } } }"""
    _, through = await statements(app, fragments, token)
    assert direct == through
    assert any(edge["node"]["goods"] for edge in direct["seizures"]["edges"])
    assert any(edge["node"]["route"] for edge in direct["seizures"]["edges"])


async def test_a_case_read_in_part_does_not_answer_another_field(make_app):
    """A page that read no goods must not leave its cases for `seizure(id)` in the same
    request, which selects them."""
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 3)
    token = who["validator"]
    first = await app.gql("{ seizures(first: 3) { edges { node { id goods { commodity } } } } }",
                          token=token)  # fmt: skip
    edge = next(e for e in first["data"]["seizures"]["edges"] if e["node"]["goods"])
    both = await app.gql(
        """query($id: ID!) { seizures(first: 3) { edges { node { id reference } } }
           seizure(id: $id) { goods { commodity } } }""",
        {"id": edge["node"]["id"]},
        token=token,
    )
    assert both["data"]["seizure"]["goods"] == edge["node"]["goods"]


async def test_records_by_id_read_only_what_the_operation_can_serve(make_app):
    """`node`, links and search hits go through the request's loader of cases: it reads the
    child collections that some field of the operation names, and no others."""
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 3)
    token = who["validator"]
    await app.gql("{ me { via } }", token=token)
    listed = await app.gql("{ seizures(first: 3) { edges { node { id goods { commodity } } } } }",
                           token=token)  # fmt: skip
    edge = next(e for e in listed["data"]["seizures"]["edges"] if e["node"]["goods"])
    one = "query($id: ID!) { node(id: $id) { ... on Seizure { reference %s } } }"
    variables = {"id": edge["node"]["id"]}
    count, data = await statements(app, one % "", token, variables)
    assert count == 1 and data["node"]["reference"]  # the case, no child collection
    count, data = await statements(app, one % "goods { commodity }", token, variables)
    assert count == 2 and data["node"]["goods"] == edge["node"]["goods"]


async def test_a_page_reads_the_columns_its_selection_serves(make_app):
    """A page of `reference status` reads neither the free text nor the other columns; a
    page asking for fields outside the column map (completeness) reads them all; and each
    field is served the same whichever other fields share its page."""
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 6)
    token = who["validator"]
    await app.gql("{ me { via } }", token=token)
    seen: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM seizures_case" in statement:
            seen.append(statement)

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        plain = await app.gql("{ seizures(first: 5) { edges { node { reference status } } } }",
                              token=token)  # fmt: skip
        narrow = seen.pop()
        every = """{ seizures(first: 5) { edges { cursor node { id reference status seizureDate
          place { country code name locationType } area narrative internalNotes
          conveyance { transportMode identifier } concealment { method description }
          createdAt updatedAt extra version form completeness } } } }"""
        wide = await app.gql(every, token=token)
        full = seen.pop()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    selected = narrow.split("FROM", 1)[0]
    assert "reference" in selected and "status" in selected
    assert "narrative" not in selected and "place_name" not in selected
    assert "narrative" in full.split("FROM", 1)[0]
    nodes = [edge["node"] for edge in wide["data"]["seizures"]["edges"]]
    assert [{"reference": n["reference"], "status": n["status"]} for n in nodes] == [
        edge["node"] for edge in plain["data"]["seizures"]["edges"]
    ]
    # The same fields without `completeness` (which reads every column) come from a narrow
    # read, and are served the same.
    partial = await app.gql(every.replace(" completeness", ""), token=token)
    assert [
        {k: v for k, v in edge["node"].items()} for edge in partial["data"]["seizures"]["edges"]
    ] == [{k: v for k, v in n.items() if k != "completeness"} for n in nodes]
    assert all(e["cursor"] for e in partial["data"]["seizures"]["edges"])


async def test_records_by_id_read_the_columns_the_operation_can_serve(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 3)
    token = who["validator"]
    listed = await app.gql("{ seizures(first: 1) { edges { node { id narrative } } } }",
                           token=token)  # fmt: skip
    node = listed["data"]["seizures"]["edges"][0]["node"]
    seen: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM seizures_case" in statement:
            seen.append(statement.split("FROM", 1)[0])

    one = "query($id: ID!) { node(id: $id) { ... on Seizure { entityType reference %s } } }"
    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        plain = await app.gql(one % "", {"id": node["id"]}, token=token)
        narrow = seen.pop()
        told = await app.gql(one % "narrative", {"id": node["id"]}, token=token)
        wide = seen.pop()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert plain["data"]["node"]["entityType"] == "Seizure" and plain["data"]["node"]["reference"]
    assert "narrative" not in narrow and "narrative" in wide
    assert told["data"]["node"]["narrative"] == node["narrative"]


async def test_search_hits_read_as_a_page_does(make_app):
    """A page of search hits reads its cases in one statement (no child collection for
    `entityType`), through the columns the operation serves, and a child collection the
    selection names costs one more; the hits answer as `node` does."""
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 30)
    await app.instance.search.reindex()  # the demo loader writes no outbox rows
    token = who["validator"]
    await app.gql("{ me { via } }", token=token)
    plain = '{ search(query: "module:seizures", first: 10) { edges { node { entityType } } } }'
    count, data = await statements(app, plain, token)
    assert count == 1 and len(data["search"]["edges"]) == 10
    assert {edge["node"]["entityType"] for edge in data["search"]["edges"]} == {"Seizure"}
    goods = """{ search(query: "module:seizures", first: 10) { totalCount edges { node { id entityType
      module ... on Seizure { reference goods { commodity } } } } } }"""
    count, data = await statements(app, goods, token)
    assert count == 2 and data["search"]["totalCount"] >= 10
    one = "query($id: ID!) { node(id: $id) { ... on Seizure { reference goods { commodity } } } }"
    for edge in data["search"]["edges"]:
        node = edge["node"]
        alone = await app.gql(one, {"id": node["id"]}, token=token)
        assert (node["entityType"], node["module"]) == ("Seizure", "seizures")
        assert alone["data"]["node"] == {k: node[k] for k in ("reference", "goods")}
