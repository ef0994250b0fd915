"""Every error a client can get carries `extensions.code`, graphql-core's own included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import strawberry

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.testing import login_as
from tests.fixture_modules.alpha.module import AlphaModule


@strawberry.type
class FaultyQuery:
    @strawberry.field
    def alpha_nothing(self) -> str:
        return None  # type: ignore[return-value]  # a bug: null for a non-null field


class FaultyModule:
    """Requires alpha, so that alpha's fields are in the schema too."""

    info = ModuleInfo(name="faulty", version="0.0.1", label="Faulty (test)", requires=("alpha",))

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[FaultyQuery])


ALPHA = {"modules": ["alpha", "faulty"], "extra_modules": [AlphaModule(), FaultyModule()]}


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{ alphaItems { name }", {}, "GRAPHQL_PARSE_FAILED"),
        ("query {", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ alphaItemz { name } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ alphaItems }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ codeList(name: 3) { name } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ codeList { name } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ codeList(name: $n) { name } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ('{ search(dateFrom: "someday") { totalCount } }', {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: String!) { codeList(name: $n) { name } }", {}, "BAD_USER_INPUT"),
        ("query($n: String!) { codeList(name: $n) { name } }", {"n": 3}, "BAD_USER_INPUT"),
        ("query($d: Date) { search(dateFrom: $d) { totalCount } }", {"d": "x"}, "BAD_USER_INPUT"),
        ("{ alphaNothing }", {}, "INTERNAL_SERVER_ERROR"),
        ("{ alphaBoom }", {}, "INTERNAL_SERVER_ERROR"),
        ('{ search(query: "x") { totalCount } }', {}, "UNAUTHENTICATED"),
        ('{ node(id: "U2VpenVyZTox") { id } }', {}, "UNAUTHENTICATED"),
    ],
)
async def test_every_error_has_a_code(make_app, document, variables, code) -> None:
    app = await make_app(**ALPHA)
    body = await app.gql(document, variables, expect_errors=True)
    assert body["errors"], body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code] * len(body["errors"])


async def test_codes_survive_the_validation_cache(make_app) -> None:
    """Parse and validation results are cached per document: the second answer is the same."""
    app = await make_app(**ALPHA)
    for document, code in (
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{", "GRAPHQL_PARSE_FAILED"),
    ):
        first = await app.gql(document, expect_errors=True)
        second = await app.gql(document, expect_errors=True)
        assert first["errors"] == second["errors"]
        assert first["errors"][0]["extensions"] == {"code": code}


async def test_a_signed_in_caller_gets_answers_where_anonymous_ones_are_refused(make_app) -> None:
    app = await make_app(**ALPHA)
    token = await login_as(app, "reader", "analyst")
    body = await app.gql('{ search(query: "x") { totalCount } }', token=token)
    assert body["data"]["search"]["totalCount"] == 0
    assert (await app.gql('{ node(id: "U2VpenVyZTox") { id } }', token=token))["data"] == {
        "node": None
    }


# `code="X"` passed to an error, `code = "X"` on an error class (or as a default argument),
# `"code": "X"` in a response,
# and the constants naming codes in core/gql/ (`QUERY_TOO_DEEP = "QUERY_TOO_DEEP"`).
_RAISED = re.compile(
    r"""code(?::\s*\w+)?\s*=\s*"([A-Z][A-Z_]{3,})"|"code":\s*"([A-Z][A-Z_]{3,})"|"""
    r"""^[A-Z_]+ = "([A-Z][A-Z_]{3,})"$""",
    re.MULTILINE,
)
REPO = Path(__file__).resolve().parent.parent


def test_docs_list_every_error_code() -> None:
    raised: set[str] = set()
    for folder in ("core", "plugins"):
        for path in (REPO / folder).rglob("*.py"):
            for match in _RAISED.finditer(path.read_text(encoding="utf-8")):
                raised.add(next(group for group in match.groups() if group))
    raised = {code for code in raised if not code.startswith("NCEN_")}  # environment variables
    assert {"UNAUTHENTICATED", "QUERY_SYNTAX", "GRAPHQL_VALIDATION_FAILED"} <= raised
    documented = set(re.findall(r"`([A-Z][A-Z_]{3,})`", (REPO / "docs/graphql.md").read_text()))
    assert sorted(raised - documented) == [], "add these codes to the table in docs/graphql.md"
