"""Bad input from the issue's list, each a clear error with a code: never a 500, never stored."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from core.testing import login_as
from plugins.seizures.models import Case
from tests.seizures.helpers import CREATE, simplified_input

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"


def codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def post(app, body: bytes) -> tuple[int, dict]:
    response = await app.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    return response.status_code, response.json()


async def cases(app) -> int:
    async with app.instance.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def test_bodies_that_cannot_be_read_are_400_with_a_code(make_app) -> None:
    app = await make_app(modules=[])
    refused = {
        b'{"query": "{ health { ok } }", "x": "\xff"}': "INVALID_ENCODING",
        (
            b'{"query": "{ health { ok } }", "variables": {"a": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}"
        ): "JSON_TOO_DEEP",
        b'{"query": "{ health { ok } }", "variables": {"a": NaN}}': "INVALID_JSON",
        b'{"query": "{ health { ok } }", "variables": {"a": -Infinity}}': "INVALID_JSON",
        b'{"query": "{ health { ok } }", "variables": {"a": 1'
        + b"0" * 5000
        + b"}}": "INVALID_JSON",
        b'{"query": "{ health { ok } ': "INVALID_JSON",
        b"{}": "NO_QUERY",
        b'{"query": ""}': "NO_QUERY",
        b'{"query": "query A { health { ok } }", "operationName": "B"}': "UNKNOWN_OPERATION",
    }
    for body, code in refused.items():
        status, answer = await post(app, body)
        assert status == 400, (body[:60], answer)
        assert codes(answer) == [code], (body[:60], answer)
    status, answer = await post(app, b'{"query": "{ health { ok } }"}')
    assert (status, answer["data"]) == (200, {"health": {"ok": True}})


async def test_lone_surrogates_and_nul_in_any_string_are_refused(make_app) -> None:
    app = await make_app(modules=["seizures"])
    for text in ("\ud800", "a\udfffb", "nul\x00"):
        body = json.dumps({"query": LOGIN, "variables": {"u": text, "p": "x"}}).encode()
        status, answer = await post(app, body)
        assert status == 400
        assert codes(answer) == ["INVALID_TEXT"]
        assert answer["errors"][0]["extensions"]["path"] == "variables.u"
    # In the document itself: the lexer refuses a lone surrogate escape; NUL is ours to refuse.
    literal = await app.gql(
        'mutation { login(username: "a\\u0000", password: "x") { token } }', expect_errors=True
    )
    assert codes(literal) == ["INVALID_TEXT"]
    officer = await login_as(app, "officer1", "officer")
    nul = await app.client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"input": simplified_input(narrative="a\x00b")}},
        headers={"authorization": f"Bearer {officer}"},
    )
    assert nul.status_code == 400 and codes(nul.json()) == ["INVALID_TEXT"]
    assert nul.json()["errors"][0]["extensions"]["path"] == "variables.input.narrative"
    assert await cases(app) == 0


async def test_decimals_are_finite_and_fit_their_column(make_app) -> None:
    from core.codelists.sync import sync_code_lists

    app = await make_app(modules=["seizures"])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    refused = {
        "NaN": "INVALID_DECIMAL",
        "sNaN": "INVALID_DECIMAL",
        "Infinity": "INVALID_DECIMAL",
        "-inf": "INVALID_DECIMAL",
        "1e999999999": "INVALID_DECIMAL",
        "1E-28": "TOO_PRECISE",  # passed "greater than zero", was stored as 0.000
        "12.3456": "TOO_PRECISE",  # the column keeps three places: refused, not rounded
        "1e15": "TOO_LARGE",  # NUMERIC(18, 3): fifteen digits before the point at most
    }
    for quantity, code in refused.items():
        line = {"commodity": "cocaine", "quantity": quantity, "unit": "KGM"}
        body = await app.gql(
            CREATE, {"input": simplified_input(goods=[line])}, token=officer, expect_errors=True
        )
        assert codes(body) == [code], (quantity, body)
        if code != "INVALID_DECIMAL":
            assert body["errors"][0]["extensions"]["field"] == "quantity"
    assert await cases(app) == 0
    line = {"commodity": "cocaine", "quantity": "999999999999999.999", "unit": "KGM"}
    body = await app.gql(CREATE, {"input": simplified_input(goods=[line])}, token=officer)
    assert body["data"]["createSeizure"]["goods"][0]["quantity"] == "999999999999999.999"


async def test_list_inputs_have_a_maximum_length(make_app) -> None:
    from core.codelists.sync import sync_code_lists

    app = await make_app(modules=["seizures"])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    maximum = app.instance.config.graphql.max_list_items
    line = {"commodity": "cocaine", "quantity": "1", "unit": "KGM"}
    body = await app.gql(
        CREATE, {"input": simplified_input(goods=[line] * 5000)}, token=officer, expect_errors=True
    )
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "TOO_MANY_ITEMS",
        "field": "goods",
        "maxItems": maximum,
    }
    assert await cases(app) == 0
    body = await app.gql(
        "query($m: [String!]) { search(modules: $m) { totalCount } }",
        {"m": ["seizures"] * (maximum + 1)},
        expect_errors=True,
    )
    assert (
        codes(body) == ["TOO_MANY_ITEMS"] and body["errors"][0]["extensions"]["field"] == "modules"
    )
