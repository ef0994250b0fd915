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
