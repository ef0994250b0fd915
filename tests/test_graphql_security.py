"""Hostile documents are refused before they cost anything, and internals never reach clients.

Each refusal is followed by an ordinary query, to show the server is still answering. No timing
assertions: a limiter that went exponential would make the test hang, which is visible enough.
"""

from __future__ import annotations

import json
import logging

import pytest
from graphql import get_introspection_query, parse
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

from core.config import GraphQLSettings
from core.gql.errors import InputError
from core.gql.pagination import clamp_first
from core.gql.security import document_costs, security_extensions
from core.testing import login_as
from tests.fixture_modules.alpha.module import AlphaModule

ALPHA = {"modules": ["alpha"], "extra_modules": [AlphaModule()]}


def codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def assert_still_serving(app) -> None:
    body = await app.gql("{ modules { name } }")
    assert body["data"]["modules"] == [{"name": "alpha"}]


def nested(levels: int) -> str:
    """An introspection query `levels` fields deep (ofType chains are legal at any depth)."""
    return (
        "{ __schema { types { fields { type { "
        + "ofType { " * levels
        + "name"
        + " }" * (levels + 4)
        + " }"
    )


def fanout(fragments: int, leaf: str) -> str:
    """Fragment i spreads fragment i+1 twice: 2^n expansions from a tiny document."""
    chain = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(fragments)
    )
    return f"query {{ ...F0 }} {chain} fragment F{fragments} on Query {{ {leaf} }}"


TEN_ALIASES = " ".join(f"a{i}: __typename" for i in range(10))

HOSTILE = {
    "depth 50": (nested(46), "QUERY_TOO_DEEP"),
    "circular fragments": (
        "query { ...A } fragment A on Query { ...B } fragment B on Query { modules { name } ...A }",
        None,
    ),
    "self-spreading fragment": ("query { ...A } fragment A on Query { __typename ...A }", None),
    "aliases through a fragment spread 4 times": (
        f"query {{ ...F ...F ...F ...F }} fragment F on Query {{ {TEN_ALIASES} }}",
        "TOO_MANY_ALIASES",
    ),
    "aliases through nested fragment spreads": (
        f"query {{ m1: modules {{ ...M }} m2: modules {{ ...M }} }} "
        f"fragment M on Module {{ ...N ...N }} fragment N on Module {{ {TEN_ALIASES} }}".replace(
            "__typename", "name"
        ),
        "TOO_MANY_ALIASES",
    ),
    "one alias amplified 2^60 times": (fanout(60, "x: __typename"), "TOO_MANY_ALIASES"),
    "10,000 tokens": ("{ " + "__typename " * 10_000 + "}", "TOO_MANY_TOKENS"),
}


async def test_hostile_documents_are_refused(make_app) -> None:
    app = await make_app(**ALPHA)
    for name, (document, code) in HOSTILE.items():
        body = await app.gql(document, expect_errors=True)
        assert body.get("errors"), name
        assert body.get("data") is None, name
        if code is not None:
            assert code in codes(body), (name, body["errors"])
        await assert_still_serving(app)


async def test_fragment_fanout_without_aliases_is_validated_quickly(make_app) -> None:
    """2^40 expansions, none of them costly: the limiters must not walk them one by one."""
    app = await make_app(**ALPHA)
    body = await app.gql(fanout(40, "__typename"))
    assert body["data"] == {"__typename": "Query"}


async def test_the_ide_introspection_query_is_within_the_default_limits(make_app) -> None:
    app = await make_app(**ALPHA, graphql=GraphQLSettings(anonymous_introspection=True))
    body = await app.gql(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert body["extensions"]["cost"]["estimated"] < GraphQLSettings().max_cost


async def test_operations_over_get_are_refused(make_app) -> None:
    app = await make_app(**ALPHA)
    json = {"accept": "application/json"}
    mutation = await app.client.get(
        "/graphql", params={"query": 'mutation { addAlphaItem(name: "get") { id } }'}, headers=json
    )
    assert mutation.status_code == 400
    assert "mutations are not allowed" in mutation.text
    query = await app.client.get(
        "/graphql", params={"query": "{ alphaItems { id } }"}, headers=json
    )
    assert query.status_code == 400
    assert "queries are not allowed" in query.text
    body = await app.gql("{ alphaItems { name } }")
    assert body["data"]["alphaItems"] == []  # the mutation did not run


async def test_internal_errors_are_masked_and_logged(make_app, caplog) -> None:
    app = await make_app(**ALPHA)
    with caplog.at_level(logging.ERROR, logger="ncen.graphql"):
        response = await app.client.post("/graphql", json={"query": "{ alphaBoom }"})
    assert "secret" not in response.text
    assert response.json()["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["alphaBoom"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    [record] = [r for r in caplog.records if r.name == "ncen.graphql"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert "secret internal detail" in str(record.exc_info[1])
    await assert_still_serving(app)


async def test_api_errors_keep_message_code_and_field(make_app) -> None:
    app = await make_app(**ALPHA)
    token = await login_as(app, "reader", "officer")
    body = await app.gql('{ node(id: "not a global id") { id } }', token=token, expect_errors=True)
    [error] = body["errors"]
    assert error["message"] == "not a valid global id"
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "id"}
    assert body["data"] == {"node": None}


async def test_client_input_errors_from_graphql_core_are_not_masked(make_app) -> None:
    app = await make_app(**ALPHA)
    mutation = "mutation ($name: String!) { addAlphaItem(name: $name) { id } }"
    for variables, expected in (({}, "to be provided"), ({"name": 3}, "cannot represent")):
        body = await app.gql(mutation, variables, expect_errors=True)
        [error] = body["errors"]
        assert "Variable '$name'" in error["message"] and expected in error["message"]
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR"


async def test_node_with_a_well_formed_id_of_no_record_is_null(make_app) -> None:
    from strawberry import relay

    app = await make_app(**ALPHA)
    token = await login_as(app, "reader", "officer")
    for type_name in ("Unknown", "Health", "Node", "Entity", "Query"):
        body = await app.gql(
            "query ($id: ID!) { node(id: $id) { id } }",
            {"id": str(relay.GlobalID(type_name, "1"))},
            token=token,
        )
        assert body["data"] == {"node": None}, type_name


INTROSPECTION = ("{ __schema { queryType { name } } }", '{ __type(name: "Query") { name } }')


async def test_introspection_can_be_switched_off(make_app) -> None:
    app = await make_app(**ALPHA, graphql=GraphQLSettings(introspection=False))
    token = await login_as(app, "reader", "analyst")
    for document in INTROSPECTION:
        for caller in (None, token):
            body = await app.gql(document, token=caller, expect_errors=True)
            assert body.get("data") is None
            assert codes(body) == ["INTROSPECTION_DISABLED"]
    assert (await app.gql("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_introspection_is_for_signed_in_callers_by_default(make_app) -> None:
    app = await make_app(**ALPHA)
    token = await login_as(app, "reader", "analyst")
    for document in INTROSPECTION:
        anonymous = await app.gql(document, expect_errors=True)
        assert anonymous.get("data") is None
        assert codes(anonymous) == ["INTROSPECTION_DISABLED"]
        signed_in = await app.gql(document, token=token)
        assert signed_in["data"]
    # The same document, cached after validation for one kind of caller, stays refused for
    # the other.
    assert codes(await app.gql(INTROSPECTION[0], expect_errors=True)) == ["INTROSPECTION_DISABLED"]

    open_to_all = await make_app(**ALPHA, graphql=GraphQLSettings(anonymous_introspection=True))
    assert (await open_to_all.gql(INTROSPECTION[0]))["data"]


async def test_ide_is_served_only_when_switched_on(make_app) -> None:
    html = {"accept": "text/html"}
    on = await make_app(**ALPHA, graphql=GraphQLSettings(ide=True))
    response = await on.client.get("/graphql", headers=html)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()

    off = await make_app(**ALPHA)  # the default
    response = await off.client.get("/graphql", headers=html)
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()
    await assert_still_serving(off)


# --- without an app --------------------------------------------------------------------------------


def costs(document: str) -> list[tuple[int, int]]:
    definitions = parse(document).definitions
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    return [(c.depth, c.aliases) for c in document_costs(operations, fragments)]


def test_costs_expand_fragments_once_per_spread() -> None:
    assert costs("{ a { b } }") == [(1, 0)]
    assert costs("{ x: a { ...F } y: a { ...F } } fragment F on T { b { c: d } e: f }") == [(2, 6)]
    assert costs("{ ... on Q { a { b { c } } } }") == [(2, 0)]
    assert costs("query A { x: a } query B { ...F ...F } fragment F on Q { y: a z: b }") == [
        (0, 1),
        (0, 4),
    ]


def test_costs_survive_cycles_unknown_fragments_and_long_chains() -> None:
    assert costs("{ ...A } fragment A on Q { x: a ...B } fragment B on Q { y: b ...A }") == [(0, 2)]
    assert costs("{ ...Nope a { ...Nope } }") == [(1, 0)]
    chain = " ".join(f"fragment F{i} on Q {{ ...F{i + 1} }}" for i in range(5000))
    assert costs(f"{{ ...F0 }} {chain} fragment F5000 on Q {{ a {{ b }} x: c }}") == [(1, 1)]


def test_validation_rules_are_the_same_classes_on_every_request() -> None:
    """Strawberry's validation cache is keyed on the rule classes: new classes per request
    would turn every lookup into a miss."""
    factories = security_extensions(GraphQLSettings(introspection=False))
    first = [getattr(f(), "validation_rules", None) for f in factories]
    second = [getattr(f(), "validation_rules", None) for f in factories]
    assert any(first) and first == second


def test_clamp_first() -> None:
    settings = GraphQLSettings(max_page_size=50)
    assert clamp_first(None, settings) == 50
    assert clamp_first(0, settings) == 0
    assert clamp_first(10, settings) == 10
    assert clamp_first(10_000, settings) == 50
    with pytest.raises(InputError) as raised:
        clamp_first(-1, settings)
    assert raised.value.extensions == {"code": "INVALID_INPUT", "field": "first"}


async def test_request_bodies_over_the_cap_are_refused_unread(make_app) -> None:
    app = await make_app(**ALPHA, graphql=GraphQLSettings(max_body_bytes=2048))
    padding = "x" * 3000
    mutation = "mutation($n: String!) { addAlphaItem(name: $n) { id } }"

    declared = await app.client.post(
        "/graphql", json={"query": mutation, "variables": {"n": padding}}
    )
    assert declared.status_code == 413
    assert codes(declared.json()) == ["PAYLOAD_TOO_LARGE"]

    async def chunks():
        body = json.dumps({"query": mutation, "variables": {"n": padding}}).encode()
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    chunked = await app.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert codes(chunked.json()) == ["PAYLOAD_TOO_LARGE"]

    # Nothing ran; a body within the cap, sent in chunks too, is served as usual.
    assert (await app.gql("{ alphaItems { name } }"))["data"]["alphaItems"] == []

    async def small():
        body = json.dumps({"query": mutation, "variables": {"n": "ok"}}).encode()
        yield body[:20]
        yield body[20:]

    served = await app.client.post(
        "/graphql", content=small(), headers={"content-type": "application/json"}
    )
    assert served.status_code == 200 and "errors" not in served.json()
    assert (await app.gql("{ alphaItems { name } }"))["data"]["alphaItems"] == [{"name": "ok"}]
