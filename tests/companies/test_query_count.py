"""A page of companies reads the child collections its selection asks for, and no others."""

from __future__ import annotations

from plugins.companies import demo
from tests.companies.helpers import companies_app, tokens
from tests.statements import statements


async def test_a_page_of_ids_is_one_statement(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, 25)
    token = who["validator"]
    await app.gql("{ me { via } }", token=token)  # the credential is verified and cached

    count, data = await statements(app, "{ companies(first: 20) { edges { node { id } } } }", token)
    assert count == 1 and len(data["companies"]["edges"]) == 20
    count, data = await statements(
        app,
        "{ companies(first: 20) { totalCount edges { node { tradeNames roles } } } }",
        token,
    )
    assert count == 4 and data["companies"]["totalCount"] >= 25  # page, count, two collections
    names = [edge["node"]["tradeNames"] for edge in data["companies"]["edges"]]
    _, full = await statements(
        app,
        "{ companies(first: 20) { edges { node { tradeNames identifiers { value } addresses "
        "{ city } contacts { value } roles hsChapters } } } }",
        token,
    )
    assert [edge["node"]["tradeNames"] for edge in full["companies"]["edges"]] == names
    assert any(edge["node"]["identifiers"] for edge in full["companies"]["edges"])


async def test_a_page_reads_the_columns_its_selection_serves(make_app):
    """A page of ids reads no name; the same fields are served whatever else is selected."""
    from sqlalchemy import event

    app = await companies_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, 8)
    token = who["validator"]
    seen: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM companies_company" in statement:
            seen.append(statement.split("FROM", 1)[0])

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        ids = await app.gql("{ companies(first: 5) { edges { node { id } } } }", token=token)
        narrow = seen.pop()
        fields = "id status legalName country aeo { status } roles createdAt"
        some = await app.gql(f"{{ companies(first: 5) {{ edges {{ node {{ {fields} }} }} }} }}",
                             token=token)  # fmt: skip
        # `history`, a field of the Record interface, is outside the map: every column.
        everything = await app.gql(
            f"{{ companies(first: 5) {{ edges {{ node {{ {fields} history {{ action }} }} }} }} }}",
            token=token,
        )
        full = seen[-2] if len(seen) > 1 else seen[-1]
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert "legal_name" not in narrow and "legal_name" in full
    assert [e["node"]["id"] for e in ids["data"]["companies"]["edges"]] == [
        e["node"]["id"] for e in some["data"]["companies"]["edges"]
    ]
    assert [e["node"] for e in some["data"]["companies"]["edges"]] == [
        {k: v for k, v in e["node"].items() if k != "history"}
        for e in everything["data"]["companies"]["edges"]
    ]


async def test_the_first_page_built_once_shows_each_caller_what_they_may_see(make_app):
    """The first page without a filter is a statement built once per kind of caller, with the
    caller bound as `viewer`: a draft is listed for its author and the validators only, and
    the page (with its count) stays one statement each."""
    from tests.companies.helpers import create

    app = await companies_app(make_app)
    who = await tokens(app)
    draft = await create(app, who["officer"])
    await app.instance.outbox.settle()  # the search index's reads are not the page's
    query = "{ companies(first: 10) { totalCount edges { node { id } } } }"
    seen = {}
    for name in ("officer", "officer2", "validator", "officer"):
        await app.gql("{ me { via } }", token=who[name])
        count, data = await statements(app, query, who[name])
        assert count == 2  # the page and its count
        seen[name] = [edge["node"]["id"] for edge in data["companies"]["edges"]]
        assert data["companies"]["totalCount"] == len(seen[name])
    assert seen == {"officer": [draft["id"]], "officer2": [], "validator": [draft["id"]]}
