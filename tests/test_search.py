"""Search end to end: records written through GraphQL are found after commit, with no manual
step, filtered by permissions and enabled modules, and survive a lost index (both engines)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from click.testing import CliRunner

from core.cli import cli
from tests.fixture_modules.cargo.module import CargoModule
from tests.fixture_modules.parcels.module import ParcelsModule
from tests.search_helpers import (
    SEARCH,
    backend_name,
    damage_index,
    execute,
    lose_index,
    search,
    search_backend_fixture,
    settle,
)

# Every test runs on each backend: whoosh (SQLite, PostgreSQL) and PostgreSQL full-text search.
make_app = search_backend_fixture()

VIEW_ALL = ("cargo.view", "parcels.view")

ADD_SHIPMENT = """
mutation($title: String!, $notes: String!, $date: Date, $country: String!, $code: String!,
         $owner: String) {
  addShipment(title: $title, notes: $notes, seizedOn: $date, country: $country, code: $code,
              owner: $owner) {
    id
  }
}
"""
ADD_PARCEL = """
mutation($title: String!, $notes: String!, $date: Date) {
  addParcel(title: $title, notes: $notes, seizedOn: $date) { id }
}
"""


def ids(result: dict[str, Any]) -> list[str]:
    """Hits as `Type:id`, decoded from their relay global ids."""
    return [base64.b64decode(edge["node"]["id"]).decode() for edge in result["edges"]]


async def add_shipment(app: Any, title: str, notes: str = "", **kw: Any) -> None:
    variables = {
        "title": title,
        "notes": notes,
        "date": None,
        "country": "XX",
        "code": "0000",
        "owner": None,
    }
    await app.gql(ADD_SHIPMENT, {**variables, **kw})


async def add_parcel(app: Any, title: str, notes: str = "", date: str | None = None) -> None:
    await app.gql(ADD_PARCEL, {"title": title, "notes": notes, "date": date})


async def both_modules(make_app: Any) -> Any:
    return await make_app(
        modules=["cargo", "parcels"], extra_modules=[CargoModule(), ParcelsModule()]
    )


# Query -> expected hits, over the three records created in `seeded`.
QUERIES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("cocaine", {}, ["Shipment:1"]),
    ('"hidden in banana boxes"', {}, ["Shipment:1"]),
    ("cocain~", {}, ["Shipment:1"]),
    ("cigaretes~", {}, ["Shipment:2"]),
    ("countries:be", {}, ["Shipment:1"]),
    ("codes:2402*", {}, ["Shipment:2"]),
    ("title:cigarettes AND NOT cocaine", {}, ["Shipment:2"]),
    ("antw*", {}, ["Shipment:1"]),
    ("ANTWÉRP", {}, ["Shipment:1"]),
    ("date:[2026-01-01 TO 2026-12-31]", {}, ["Shipment:1"]),
    ("year:2025", {}, ["Shipment:2", "Shipment:3"]),
    ("cocaine OR gold", {}, ["Shipment:1", "Shipment:3"]),
    ("cocaine gold", {}, []),
    ("", {"from": "2026-03-01", "to": "2026-03-31"}, ["Shipment:1"]),
    ("", {"from": "2025-12-31", "to": "2026-01-01"}, ["Shipment:3"]),
    ("", {"from": "2025-06-01"}, ["Shipment:1", "Shipment:2", "Shipment:3"]),
    ("", {"to": "2025-12-30"}, ["Shipment:2"]),
    ("", {"to": "2025-12-31"}, ["Shipment:2", "Shipment:3"]),
    (
        "",
        {"filters": [{"field": "countries", "values": ["FR", "NL"]}]},
        ["Shipment:2", "Shipment:3"],
    ),
    ("b?nana", {}, ["Shipment:1"]),
    ("cocaine ANDNOT gold", {}, ["Shipment:1"]),
    ("gold ANDMAYBE cocaine", {}, ["Shipment:3"]),
    ("NOT cocaine", {}, ["Shipment:2", "Shipment:3"]),
    ("month:2025-07", {}, ["Shipment:2"]),
    ("year:[2025 TO 2025]", {}, ["Shipment:2", "Shipment:3"]),
    ("codes:[0900 TO 0999]", {}, ["Shipment:1"]),
    ('title:"gold bars"', {}, ["Shipment:3"]),
    ('content:"gold bars"', {}, []),
    ("entity_type:Shipment module:cargo countries:nl", {}, ["Shipment:3"]),
    ("(gold OR cigarettes) AND year:2025 AND NOT countries:FR", {}, ["Shipment:3"]),
]


async def seeded(make_app: Any) -> Any:
    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    await add_shipment(
        app,
        "Cocaine seizure at Antwerp",
        "Hidden in banana boxes from Ecuador",
        date="2026-03-05",
        country="BE",
        code="0901",
    )
    await add_shipment(
        app, "Cigarettes in a lorry", "Undeclared", date="2025-07-14", country="FR", code="240220"
    )
    await add_shipment(app, "Gold bars", "Courier parcel", date="2025-12-31", country="NL")
    await settle(app.instance)
    return app


async def test_created_records_are_found_by_every_query_kind_and_after_reindex(make_app):
    app = await seeded(make_app)
    before = {}
    for text, variables, expected in QUERIES:
        result = await search(app.instance, text, "cargo.view", **variables)
        assert sorted(ids(result)) == expected, (text, variables)
        assert result["totalCount"] == len(expected)
        before[(text, str(variables))] = ids(result)

    hit = (await search(app.instance, "cocaine", "cargo.view"))["edges"][0]
    assert hit["score"] > 0
    assert any("<mark" in s and "Cocaine" in s for s in hit["snippets"])
    assert hit["node"]["entityType"] == "Shipment" and hit["node"]["module"] == "cargo"

    written = await app.instance.search.reindex()
    assert written == {"Shipment": 3}
    for text, variables, _expected in QUERIES:
        result = await search(app.instance, text, "cargo.view", **variables)
        assert ids(result) == before[(text, str(variables))], (text, variables)


async def test_updates_and_deletions_reach_the_index(make_app):
    app = await seeded(make_app)
    await app.gql('mutation { renameShipment(id: 3, title: "Silver coins") }')
    await app.gql("mutation { deleteShipment(id: 1) }")
    # Deleted and announced only as "index": the handler finds nothing and removes it.
    await app.gql("mutation { deleteShipment(id: 2, explicit: false) }")
    await settle(app.instance)
    assert ids(await search(app.instance, "silver", "cargo.view")) == ["Shipment:3"]
    assert ids(await search(app.instance, "gold", "cargo.view")) == []
    assert ids(await search(app.instance, "", "cargo.view")) == ["Shipment:3"]


async def test_permissions_filter_hits_counts_and_facets(make_app):
    app = await both_modules(make_app)
    await add_shipment(app, "Heroin in a container")
    await add_parcel(app, "Heroin in a parcel")
    await add_parcel(app, "Heroin by post")
    await settle(app.instance)

    everything = await search(app.instance, "heroin", *VIEW_ALL)
    assert everything["totalCount"] == 3
    assert everything["facets"]["modules"] == [
        {"value": "parcels", "count": 2},
        {"value": "cargo", "count": 1},
    ]

    cargo_only = await search(app.instance, "heroin", "cargo.view")
    assert ids(cargo_only) == ["Shipment:1"]
    assert cargo_only["totalCount"] == 1
    assert cargo_only["facets"] == {
        "modules": [{"value": "cargo", "count": 1}],
        "entityTypes": [{"value": "Shipment", "count": 1}],
    }
    # Asking for the forbidden type explicitly changes nothing.
    asked = await search(app.instance, "heroin", "cargo.view", types=["Parcel"])
    assert asked["totalCount"] == 0 and asked["facets"]["modules"] == []
    via_field = await search(app.instance, "entity_type:Parcel", "cargo.view")
    assert via_field["totalCount"] == 0

    nobody = await search(app.instance, "heroin")
    assert nobody == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
        "facets": {"modules": [], "entityTypes": []},
    }
    # Over HTTP a caller without a credential is told to sign in, not given an empty answer.
    body = await app.gql('{ search(query: "heroin") { totalCount } }', expect_errors=True)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]

    narrowed = await search(app.instance, "heroin", *VIEW_ALL, modules=["parcels"])
    assert sorted(ids(narrowed)) == ["Parcel:1", "Parcel:2"]


async def test_record_level_audience_hides_hits_and_counts(make_app):
    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    await add_shipment(app, "Rhino horn, public")
    await add_shipment(app, "Rhino horn, draft of ann", owner="ann")
    await settle(app.instance)

    bob = await search(app.instance, "rhino", "cargo.view", as_user="bob")
    assert ids(bob) == ["Shipment:1"] and bob["totalCount"] == 1
    assert bob["facets"]["entityTypes"] == [{"value": "Shipment", "count": 1}]
    ann = await search(app.instance, "rhino", "cargo.view", as_user="ann")
    assert sorted(ids(ann)) == ["Shipment:1", "Shipment:2"]
    validator = await search(app.instance, "rhino", "cargo.view", "cargo.all", as_user="eve")
    assert validator["totalCount"] == 2
    assert (await search(app.instance, "rhino", "cargo.all", as_user="ann"))["totalCount"] == 0


async def test_disabling_a_module_removes_its_hits_and_facets(make_app):
    full = await both_modules(make_app)
    await add_shipment(full, "Ivory tusks")
    await add_parcel(full, "Ivory carvings")
    await settle(full.instance)
    assert (await search(full.instance, "ivory", *VIEW_ALL))["totalCount"] == 2

    # A second instance over the same data, with parcels installed but disabled (two schemas in
    # one process).
    reduced = await make_app(modules=["cargo"], extra_modules=[CargoModule(), ParcelsModule()])
    result = await search(reduced.instance, "ivory", *VIEW_ALL)
    assert ids(result) == ["Shipment:1"]
    assert result["facets"]["modules"] == [{"value": "cargo", "count": 1}]
    assert result["facets"]["entityTypes"] == [{"value": "Shipment", "count": 1}]
    assert (await search(reduced.instance, "parcel*", *VIEW_ALL))["totalCount"] == 0

    # Enabling it again brings its records back without a manual reindex.
    again = await both_modules(make_app)
    assert sorted(ids(await search(again.instance, "ivory", *VIEW_ALL))) == [
        "Parcel:1",
        "Shipment:1",
    ]


async def test_a_module_without_records_is_not_reindexed_at_every_start(make_app):
    app = await both_modules(make_app)
    await add_shipment(app, "Ivory tusks")
    await settle(app.instance)
    # Parcels has no document because it has no record: nothing to index, no writer opened.
    assert await app.instance.search.ensure_ready() == "ok"
    await add_parcel(app, "Ivory carvings")
    await settle(app.instance)
    assert await app.instance.search.ensure_ready() == "ok"
    assert (await search(app.instance, "ivory", *VIEW_ALL))["totalCount"] == 2


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
async def test_lost_or_corrupt_index_is_rebuilt_at_start(make_app, damage):
    app = await seeded(make_app)
    await app.close()
    if damage == "delete":
        await lose_index(app.instance)
    else:
        await damage_index(app.instance)
    restarted = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    assert restarted.instance.search.state == "ready"
    assert ids(await search(restarted.instance, "cocaine", "cargo.view")) == ["Shipment:1"]
    await add_shipment(restarted, "Cocaine in coffee")
    await settle(restarted.instance)
    assert (await search(restarted.instance, "cocaine", "cargo.view"))["totalCount"] == 2


async def test_index_lost_while_serving_is_rebuilt_by_the_next_change(make_app):
    app = await seeded(make_app)
    await lose_index(app.instance)
    await add_shipment(app, "Cocaine in pineapples")
    await settle(app.instance)
    assert (await search(app.instance, "cocaine", "cargo.view"))["totalCount"] == 2
    assert (await search(app.instance, "gold", "cargo.view"))["totalCount"] == 1


async def test_pagination_walks_every_hit_once(make_app):
    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    for i in range(5):
        await add_shipment(app, f"Counterfeit watches lot {i}")
    await settle(app.instance)
    seen: list[str] = []
    after = None
    while True:
        page = await search(app.instance, "watches", "cargo.view", first=2, after=after)
        assert page["totalCount"] == 5
        seen += ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == [f"Shipment:{i}" for i in range(1, 6)]
    counts_only = await search(app.instance, "watches", "cargo.view", first=0)
    assert counts_only["edges"] == [] and counts_only["totalCount"] == 5


@pytest.mark.parametrize(
    ("variables", "code", "field", "position"),
    [
        ({"q": "secret:x"}, "UNKNOWN_FIELD", "query", 0),
        ({"q": "heroin doc_id:Shipment*"}, "UNKNOWN_FIELD", "query", 7),
        ({"q": "cocaine~5"}, "FUZZY", "query", 0),
        ({"q": "(cocaine OR heroin"}, "QUERY_SYNTAX", "query", 0),
        ({"q": 'ivory "rhino horn'}, "QUERY_SYNTAX", "query", 6),
        ({"q": "cocaine AND"}, "QUERY_SYNTAX", "query", 8),
        ({"q": "x" * 1001}, "INVALID_INPUT", "query", None),
        (
            {"q": "", "filters": [{"field": "title", "values": ["a"]}]},
            "UNKNOWN_FILTER",
            "filters",
            None,
        ),
        ({"q": "", "after": "bm9wZQ=="}, "INVALID_INPUT", "after", None),
        ({"q": "", "from": "2026-02-01", "to": "2026-01-01"}, "INVALID_INPUT", "dateFrom", None),
    ],
)
async def test_bad_queries_are_input_errors(make_app, variables, code, field, position):
    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    result = await execute(app.instance, SEARCH, variables, "cargo.view")
    assert result.errors is not None
    extensions = result.errors[0].extensions
    assert extensions["code"] == code and extensions["field"] == field
    assert extensions.get("position") == position


async def test_outbox_batch_is_one_index_commit(make_app, monkeypatch):
    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    await app.instance.outbox.stop()
    for i in range(20):
        await add_shipment(app, f"Tramadol tablets {i}")
    backend = app.instance.search.backend
    original = backend.writer
    opened = []

    def counting_writer(**kw: Any) -> Any:
        opened.append(kw)
        return original(**kw)

    monkeypatch.setattr(backend, "writer", counting_writer)
    assert await app.instance.outbox.drain() == 20
    assert len(opened) == 1
    assert (await search(app.instance, "tramadol", "cargo.view"))["totalCount"] == 20
    # Replaying the same events (at-least-once delivery) changes nothing.
    assert (await search(app.instance, "tramadol", "cargo.view"))["totalCount"] == 20


async def test_cli_reindex_and_check(make_app):
    app = await seeded(make_app)
    obj = {"config": app.instance.config, "extra_modules": [CargoModule()]}
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli, list(args), obj=dict(obj), catch_exceptions=False)

    result = await asyncio.to_thread(invoke, "search", "reindex")
    assert result.exit_code == 0, result.output
    assert "Shipment: 3 documents" in result.output
    result = await asyncio.to_thread(invoke, "search", "reindex", "--module", "cargo")
    assert result.exit_code == 0, result.output
    result = await asyncio.to_thread(invoke, "search", "check")
    assert result.exit_code == 0, result.output
    assert "index: ok" in result.output and "Shipment" in result.output
    result = await asyncio.to_thread(invoke, "search", "reindex", "--module", "nope")
    assert result.exit_code == 1 and "nope" in result.output
    assert ids(await search(app.instance, "cocaine", "cargo.view")) == ["Shipment:1"]

    await lose_index(app.instance)
    result = await asyncio.to_thread(invoke, "search", "check")
    assert result.exit_code == 1 and "missing" in result.output


async def test_queries_run_off_the_event_loop(make_app, monkeypatch):
    import threading

    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    if backend_name(app.instance) != "whoosh":
        pytest.skip("whoosh searches in threads; PostgreSQL is queried asynchronously")
    backend = app.instance.search.backend
    original = backend._query
    threads = []

    def spy(request: Any) -> Any:
        threads.append(threading.current_thread())
        return original(request)

    monkeypatch.setattr(backend, "_query", spy)
    await search(app.instance, "anything", "cargo.view")
    assert threads and threads[0] is not threading.main_thread()


async def test_snippets_and_facets_are_computed_only_when_selected(make_app):
    app = await seeded(make_app)
    backend = app.instance.search.backend
    asked: list[Any] = []
    original = backend.query

    async def spy(request: Any) -> Any:
        asked.append(request)
        return await original(request)

    backend.query = spy
    plain = await execute(
        app.instance,
        'query { search(query: "cocaine") { totalCount edges { node { id } } } }',
        {},
        "cargo.view",
    )
    assert plain.errors is None and plain.data["search"]["totalCount"] == 1
    assert (asked[-1].snippets, asked[-1].facets) == (False, False)
    full = await search(app.instance, "cocaine", "cargo.view")
    assert (asked[-1].snippets, asked[-1].facets) == (True, True)
    assert full["totalCount"] == 1 and full["edges"][0]["snippets"]
    assert full["facets"]["entityTypes"] == [{"value": "Shipment", "count": 1}]


async def test_a_query_broader_than_the_exact_limit_says_its_total_is_an_estimate(make_app):
    import dataclasses

    app = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    for i in range(5):
        await add_shipment(app, f"Counterfeit watches lot {i}")
    await settle(app.instance)
    service = app.instance.search
    service.limits = dataclasses.replace(service.limits, exact_total_limit=2)
    query = """query($q: String!, $first: Int, $after: String) {
      search(query: $q, first: $first, after: $after) {
        totalCount totalCountExact pageInfo { hasNextPage endCursor }
        edges { node { id } } } }"""
    result = await execute(app.instance, query, {"q": "watches", "first": 2}, "cargo.view")
    assert result.errors is None, result.errors
    found = result.data["search"]
    if backend_name(app.instance) == "whoosh":  # whoosh always counts and ranks every match
        assert found["totalCountExact"] and found["totalCount"] == 5
        return
    assert not found["totalCountExact"] and found["totalCount"] >= 3
    assert len(found["edges"]) == 2 and found["pageInfo"]["hasNextPage"]
    # The pages of a broad query end with the matches that were ranked (limit + 1).
    after = found["pageInfo"]["endCursor"]
    more = await execute(app.instance, query, {"q": "watches", "after": after}, "cargo.view")
    assert len(more.data["search"]["edges"]) == 1
    assert not more.data["search"]["pageInfo"]["hasNextPage"]
    narrow = await execute(app.instance, query, {"q": "watches lot 3"}, "cargo.view")
    assert narrow.data["search"]["totalCountExact"] and narrow.data["search"]["totalCount"] == 1


async def test_an_instance_upgraded_from_the_backend_made_tables_is_rebuilt(make_app):
    """The PostgreSQL index's tables were made by the backend before core_0021: an instance of
    that release, migrated and started, searches the new tables, rebuilt from its records."""
    from sqlalchemy import text

    from core.migrate import alembic_config
    from tests.test_search_tables import BEFORE, SCHEMA_2

    app = await seeded(make_app)
    if backend_name(app.instance) != "postgresql":
        pytest.skip("the PostgreSQL backend's tables")
    await app.close()

    def back_before_core_0021(connection: Any) -> None:
        from alembic import command

        command.downgrade(alembic_config(app.instance.migrator.installed, connection), BEFORE)

    async with app.instance.db.engine.begin() as conn:
        await conn.run_sync(back_before_core_0021)
        for statement in SCHEMA_2:  # what the previous release's backend made and wrote
            await conn.execute(text(statement))
    restarted = await make_app(modules=["cargo"], extra_modules=[CargoModule()])
    assert restarted.instance.search.state == "ready"
    assert ids(await search(restarted.instance, "cocaine", "cargo.view")) == ["Shipment:1"]
    async with restarted.instance.db.engine.connect() as conn:
        assert not await conn.scalar(
            text("SELECT count(*) FROM core_search_document WHERE doc_id = 'Seizure:1'")
        )
