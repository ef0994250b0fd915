"""Property: whatever a client sends to any field of the schema, the answer is never a 5xx and
never an INTERNAL_SERVER_ERROR.

Hypothesis draws a root field (every query and mutation of the schema with all built-in
modules), a caller (anonymous, an administrator, a data user) and a value for each argument
from its GraphQL type: hostile text (lone surrogates, NUL, very long), special numbers (NaN,
sNaN, Infinity, huge exponents, 1E-28), dates that do not exist, lists over their maximum,
wrong JSON types, global ids of real and unknown records, and plausible values (codes of the
shipped lists) so that some inputs get past the first checks. The number of examples is fixed
so the suite stays fast; the run is deterministic (`derandomize`), so a failure reproduces.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry import relay

from core.codelists.sync import sync_code_lists
from core.testing import login_as
from tests.companies.helpers import create as create_company
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input

# A fixed number, so the suite stays fast; NCEN_HYPOTHESIS_EXAMPLES runs a deeper hunt locally
# (with fresh random draws instead of the fixed sequence).
EXAMPLES = int(os.environ.get("NCEN_HYPOTHESIS_EXAMPLES", "250"))
DERANDOMIZE = "NCEN_HYPOTHESIS_EXAMPLES" not in os.environ
# Fields that end the caller's own session: they would turn every later example anonymous.
SESSION_ENDING = {"logout", "changePassword"}
NASTY = [
    "",
    " ",
    "\ud800",
    "a\udfffb",
    "nul\x00",
    "\uffff",
    "\u202e",
    "NaN",
    "sNaN",
    "-Infinity",
    "1e999999999",
    "1E-28",
    "9" * 60,
    "x" * 5000,
    "'; DROP TABLE core_user; --",
    "<script>alert(1)</script>",
    "%s%n",
    "../../etc/passwd",
    "İstanbul ß 🙂",
    "a~2 b* c?",
    "title:(",
    '"unclosed',
]
PLAUSIBLE = [
    "NL",
    "nl",
    "FR",
    "cocaine",
    "KGM",
    "EUR",
    "drugs",
    "xray_scanner",
    "import",
    "seaport",
    "importer",
    "parentCompany",
    "director",
    "seizures",
    "companies",
    "suspects",
    "Seizure",
    "Person",
    "Company",
    "countries",
    "units",
    "eori",
    "GB123456789000",
    "admin",
    "officer",
    "suspects.view",
    "2024-02-29",
    "12.5",
]
DECIMALS = ["NaN", "sNaN", "Infinity", "-inf", "1e999999999", "1E-28", "12.5", "0", "-1", "1e15"]
DATES = ["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "2024-13-01", "", "yesterday"]
TIMES = ["14:30:00", "24:00:00", "23:59:60", "", "noon"]
DATETIMES = ["2024-02-29T10:00:00Z", "2024-02-30T10:00:00", "0000-00-00T00:00:00", "now"]


def strings(known: list[str], hostile: bool) -> st.SearchStrategy[str]:
    plausible = st.sampled_from(PLAUSIBLE + known)
    if not hostile:
        return st.one_of(st.text(max_size=30), plausible, plausible)
    return st.one_of(st.text(max_size=30), st.sampled_from(NASTY), plausible)


def junk() -> st.SearchStrategy[Any]:
    """A value of a JSON type the field does not take."""
    return st.sampled_from([0, -1, 2**63, 1.5, True, [], {}, "x", [None], {"a": 1}])


def scalar(name: str, known: list[str], hostile: bool) -> st.SearchStrategy[Any]:
    """Values of a scalar: well-typed ones, and with `hostile` the special ones too."""
    special: dict[str, list[Any]] = {
        "Decimal": DECIMALS,
        "Date": DATES,
        "Time": TIMES,
        "DateTime": DATETIMES,
        "Int": [0, -1, 2**31, -(2**31) - 1],
    }
    typed: dict[str, st.SearchStrategy[Any]] = {
        "String": strings(known, hostile),
        "ID": st.one_of(st.sampled_from(known), strings([], hostile)),
        "Int": st.integers(-5, 1000) | st.integers(-(2**40), 2**40),
        "Float": st.floats(allow_nan=False, allow_infinity=False),
        "Boolean": st.booleans(),
        "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
        | st.integers(-(10**20), 10**20),
        "Date": st.dates().map(lambda d: d.isoformat()),
        "Time": st.times().map(lambda t: t.isoformat()),
        "DateTime": st.datetimes().map(lambda d: d.isoformat() + "Z"),
        "JSON": st.recursive(
            st.none() | st.booleans() | st.integers() | strings([], hostile),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    }
    found = typed.get(name, strings([], hostile))
    if hostile and name in special:
        return st.one_of(found, st.sampled_from(special[name]))
    return found


def value_of(
    graphql_type: Any, known: list[str], max_items: int, hostile: bool, depth: int = 0
) -> Any:
    """A strategy of JSON values for a variable of `graphql_type`: well-typed, or with
    `hostile` wrong JSON types, missing values, overlong lists and special values too."""

    def inner_of(inner_type: Any, deeper: int = 0) -> Any:
        return value_of(inner_type, known, max_items, hostile, depth + deeper)

    if isinstance(graphql_type, GraphQLNonNull):
        inner = inner_of(graphql_type.of_type)
        return st.one_of(inner, inner, inner, junk()) if hostile else inner
    if isinstance(graphql_type, GraphQLList):
        item = inner_of(graphql_type.of_type, 1)
        lists = st.lists(item, max_size=3)
        if not hostile:
            return st.one_of(st.none(), lists, lists)
        return st.one_of(st.none(), lists, item.map(lambda value: [value] * (max_items + 1)))
    if isinstance(graphql_type, GraphQLEnumType):
        values = st.sampled_from(list(graphql_type.values))
        return st.one_of(st.none(), values, strings([], hostile)) if hostile else values
    if isinstance(graphql_type, GraphQLScalarType):
        value = scalar(graphql_type.name, known, hostile)
        return st.one_of(st.none(), value) if hostile else value
    if isinstance(graphql_type, GraphQLInputObjectType):
        fields = graphql_type.fields.items()
        required = {n: inner_of(f.type, 1) for n, f in fields if isinstance(f.type, GraphQLNonNull)}
        optional = (
            {n: inner_of(f.type, 1) for n, f in fields if not isinstance(f.type, GraphQLNonNull)}
            if depth < 4
            else {}
        )
        objects = st.fixed_dictionaries(required, optional=optional)
        return st.one_of(st.none(), objects) if hostile else objects
    return st.none()


def document(kind: str, name: str, field: GraphQLField) -> str:
    """`mutation($a: T!) { name(a: $a) { __typename } }` with every argument a variable."""
    variables = ", ".join(f"${arg}: {definition.type}" for arg, definition in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    head = f"{kind}({variables})" if variables else kind
    call = f"{name}({arguments})" if arguments else name
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return f"{head} {{ {call}{selection} }}"


async def test_no_input_gets_an_internal_error(make_app) -> None:
    app = await make_app()
    await sync_code_lists(app.instance)
    admin = await login_as(app, "hyp-admin", "admin")
    user = await login_as(app, "hyp-user", "officer", "validator", "analyst", "auditor")
    seizure = (await app.gql(CREATE_SEIZURE, {"input": simplified_input()}, token=user))["data"]
    company = await create_company(app, user)
    known_ids = [
        seizure["createSeizure"]["id"],
        company["id"],
        str(relay.GlobalID("Person", "1")),
        str(relay.GlobalID("Seizure", "999999")),
        str(relay.GlobalID("Nope", "1")),
    ]
    schema = app.instance.schema._schema
    max_items = app.instance.config.graphql.max_list_items
    requests = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            if name in SESSION_ENDING:
                continue
            for hostile in (False, True):
                arguments = st.fixed_dictionaries(
                    {
                        arg: value_of(definition.type, known_ids, max_items, hostile)
                        for arg, definition in field.args.items()
                    }
                )
                requests.append(
                    st.tuples(st.just(document(kind, name, field)), arguments, st.just(name))
                )
    callers = st.sampled_from([None, admin, user])
    loop = asyncio.get_running_loop()

    async def send(query: str, variables: dict[str, Any], caller: str | None) -> Any:
        headers = {"content-type": "application/json"}
        if caller:
            headers["authorization"] = f"Bearer {caller}"
        body = json.dumps({"query": query, "variables": variables}).encode()
        return await app.client.post("/graphql", content=body, headers=headers)

    # Hypothesis drives a plain function: it runs in a thread, each example a request sent to
    # the test's event loop.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=st.one_of(requests), caller=callers)
    def call(request: tuple[str, dict[str, Any], str], caller: str | None) -> None:
        query, variables, name = request
        response = asyncio.run_coroutine_threadsafe(send(query, variables, caller), loop).result()
        assert response.status_code < 500, (name, variables, response.text[:500])
        answer = response.json()
        internal = [
            error
            for error in answer.get("errors", [])
            if error.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"
        ]
        assert not internal, (name, variables, internal)

    await asyncio.to_thread(call)
