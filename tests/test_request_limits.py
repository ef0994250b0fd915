"""What one GraphQL request may cost: the estimate before execution, the time and list-item
budget while it runs, and the operation it must name.

Functional properties only (refused or not, with which code and figures); how fast a refusal
is and what memory a burst of them leaves is measured by `bench/limits_bench.py`.
"""

from __future__ import annotations

import asyncio

from graphql import OperationDefinitionNode, parse

from core.config import GraphQLSettings
from core.gql.budget import RESULT_TOO_LARGE
from core.gql.cost import CostModel
from core.search.gql import SEARCH_COST
from core.testing import login_as
from tests.companies.helpers import companies_app, create
from tests.fixture_modules.alpha.module import AlphaModule

ALPHA = {"modules": ["alpha"], "extra_modules": [AlphaModule()]}
LINK = "mutation($input: LinkInput!) { link(input: $input) { id } }"


def codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def nested_links(hops: int, first: int = 50) -> str:
    """The attack of the issue: links of links of ... of a company, `first` per level."""
    inner = "id"
    for _ in range(hops):
        inner = f"links(first: {first}) {{ relation entity {{ ... on Company {{ id {inner} }} }} }}"
    return f"query($id: ID!) {{ company(id: $id) {{ {inner} }} }}"


async def test_nested_links_are_refused_before_they_run_on_any_data(make_app) -> None:
    app = await companies_app(make_app)
    officer = await login_as(app, "officer1", "officer", "analyst")
    ids = [(await create(app, officer, legalName=f"Ring {i} Ltd."))["id"] for i in range(12)]
    for i, source in enumerate(ids):
        for target in ids[i + 1 :]:
            link = {"source": source, "relation": "parentCompany", "target": target}
            await app.gql(LINK, {"input": link}, token=officer)

    body = await app.gql(nested_links(7), {"id": ids[0]}, token=officer, expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["maxCost"] == GraphQLSettings().max_cost
    # 50^7 links, each with its relation, entity and id: far over, named in the error.
    assert error["extensions"]["cost"] > 50**7
    assert f"{GraphQLSettings().max_cost:,}" in error["message"]

    # One hop is within the limit: it runs, and reports its estimate.
    body = await app.gql(nested_links(1), {"id": ids[0]}, token=officer)
    assert len(body["data"]["company"]["links"]) == 11
    # company 1 + links (1 + 50 x (relation 1 + entity (1 + id 1 + id 1))) = 1 + 1 + 50 x 4
    assert body["extensions"]["cost"] == {"estimated": 202, "limit": GraphQLSettings().max_cost}


async def test_the_estimate_follows_variables_defaults_and_the_page_cap(make_app) -> None:
    app = await companies_app(make_app)
    model: CostModel = app.instance.schema.cost_model  # type: ignore[attr-defined]

    def estimate(document: str, variables: dict | None = None) -> int:
        parsed = parse(document)
        [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        return model.estimate(parsed, operation, variables)

    one_company = "{ companies(first: 10) { edges { node { id legalName } } } }"
    assert estimate(one_company) == 1 + 10 * (1 + 1 * (1 + 2))
    by_variable = "query($n: Int) { companies(first: $n) { edges { node { id } } } }"
    assert estimate(by_variable, {"n": 3}) == 1 + 3 * (1 + (1 + 1))
    # Absent, the variable gives the argument's default (50); over the cap, the maximum page.
    assert estimate(by_variable, {}) == 1 + 50 * 3
    assert estimate(by_variable, {"n": 10**9}) == 1 + GraphQLSettings().max_page_size * 3
    # A fragment spread twice at one level is collected once, as graphql-core does.
    twice = "{ companies(first: 10) { ...C ...C } } fragment C on CompanyConnection { totalCount }"
    assert estimate(twice) == 1 + 10 * 1
    # Aliases are counted each time.
    aliased = "{ a: companies(first: 10) { totalCount } b: companies(first: 10) { totalCount } }"
    assert estimate(aliased) == 2 * (1 + 10)

    # The cached estimate of a document is the walked one, for each value of its page variables.
    parsed = parse(by_variable)
    [operation] = parsed.definitions
    for variables in ({"n": 3}, {}, {"n": None}, {"n": 10**9}, {"n": "x"}, {"n": 3, "other": [1]}):
        assert model.estimate_cached(by_variable, parsed, operation, variables) == estimate(
            by_variable, variables
        )


FUZZY_1000 = " ".join(f"c{i}o~2" for i in range(200))[:1000]


async def test_searches_count_in_the_request_cost(make_app) -> None:
    """The issue's 30 aliased searches of 1,000 characters of fuzzy terms: refused as a whole
    before any runs; one of them alone is refused for its terms."""
    app = await make_app(modules=[])
    token = await login_as(app, "analyst1", "analyst")
    one = await app.gql('{ search(query: "x", first: 5) { totalCount } }', token=token)
    assert one["extensions"]["cost"]["estimated"] == SEARCH_COST + 5 * 1
    aliases = " ".join(f"s{i}: search(query: $q) {{ totalCount }}" for i in range(30))
    body = await app.gql(
        f"query($q: String!) {{ {aliases} }}", {"q": FUZZY_1000}, token=token, expect_errors=True
    )
    assert codes(body) == ["QUERY_TOO_COSTLY"]
    single = await app.gql(
        "query($q: String!) { search(query: $q) { totalCount } }",
        {"q": FUZZY_1000},
        token=token,
        expect_errors=True,
    )
    assert codes(single) == ["QUERY_TOO_COMPLEX"]


async def test_several_operations_need_an_operation_name(make_app) -> None:
    app = await make_app(**ALPHA)
    document = "query A { modules { name } } query B { health { ok } }"
    body = (await app.client.post("/graphql", json={"query": document})).json()
    assert body["data"] is None
    assert codes(body) == ["OPERATION_NAME_REQUIRED"]
    named = await app.client.post("/graphql", json={"query": document, "operationName": "B"})
    assert named.json()["data"] == {"health": {"ok": True}}
    # One operation needs no name.
    assert (await app.gql("query A { health { ok } }"))["data"] == {"health": {"ok": True}}


async def test_a_query_over_its_time_budget_ends_cleanly(make_app) -> None:
    app = await make_app(**ALPHA, graphql=GraphQLSettings(max_request_seconds=0.2))
    body = await app.gql("{ alphaWait(seconds: 5) }", expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "REQUEST_TIMEOUT", "maxSeconds": 0.2}
    assert (await app.gql("{ alphaWait(seconds: 0) }"))["data"] == {"alphaWait": True}


async def test_a_response_over_its_list_item_budget_ends_cleanly(make_app) -> None:
    """The estimate cannot know a list's length without a page argument: the items are counted
    as they are produced."""
    app = await make_app(**ALPHA, graphql=GraphQLSettings(max_result_items=5000))
    body = await app.gql("{ alphaNumbers(count: 100000) }", expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": RESULT_TOO_LARGE, "maxItems": 5000}
    within = await app.gql("{ alphaNumbers(count: 3000) }")
    assert sum(len(chunk) for chunk in within["data"]["alphaNumbers"]) == 3000


async def test_declared_list_maximums_hold_for_arguments_and_input_fields(make_app) -> None:
    app = await make_app(**ALPHA)
    query = "query($b: AlphaBatchInput!, $t: [String!]!) { alphaCount(batch: $b, tags: $t) }"
    ok = await app.gql(query, {"b": {"names": ["a", "b"]}, "t": ["x", "y", "z"]})
    assert ok["data"] == {"alphaCount": 5}
    for variables, field, maximum in (
        ({"b": {"names": ["a", "b", "c"]}, "t": []}, "batch.names", 2),
        ({"b": {"names": []}, "t": ["x"] * 4}, "tags", 3),
    ):
        body = await app.gql(query, variables, expect_errors=True)
        [error] = body["errors"]
        assert error["extensions"] == {
            "code": "TOO_MANY_ITEMS",
            "field": field,
            "maxItems": maximum,
        }


async def test_queries_cut_short_leave_the_database_usable(make_app) -> None:
    """Cancelled at any await — in the middle of a database read included — a query leaves no
    connection or transaction behind: the next requests, reads and writes, are served."""
    from sqlalchemy import func, select

    from core.codelists.sync import sync_code_lists
    from plugins.seizures import demo
    from plugins.seizures.models import Case
    from tests.seizures.helpers import CREATE, simplified_input

    app = await make_app(
        modules=["seizures"],
        graphql=GraphQLSettings(max_request_seconds=0.1, max_result_items=10**6),
    )
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer", "validator")
    async with app.instance.db.transaction() as session:
        await demo.load_bulk(session, "XX", 600)
    page = "seizures(first: 200) { edges { node { id reference goods { commodity } route { country } place { country } } } }"
    # Pages are added until attempts are cut at 0.1 s, at different awaits, however fast the
    # machine: a fixed amount of work was served whole within the budget on a fast one.
    outcomes: set[str] = set()
    pages = 4
    while "cut" not in outcomes and pages <= 128:
        heavy = "{ " + " ".join(f"p{i}: {page}" for i in range(pages)) + " }"
        for _ in range(6):
            body = await app.gql(heavy, token=officer, expect_errors=True)
            outcomes.add("cut" if codes(body) == ["REQUEST_TIMEOUT"] else "served")
            assert codes(body) in ([], ["REQUEST_TIMEOUT"]), body.get("errors")
        pages *= 2
    assert "cut" in outcomes
    # A mutation (never cut short) writes, and the pool's connections all still read: a
    # query here could itself be cut by the 0.1 s budget on a loaded machine.
    created = await app.gql(CREATE, {"input": simplified_input()}, token=officer)
    assert created["data"]["createSeizure"]["status"] == "DRAFT"

    async def count() -> int:
        async with app.instance.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Case)) or 0)

    assert await asyncio.gather(*(count() for _ in range(8))) == [601] * 8
