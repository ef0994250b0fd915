"""Links between records of different modules: declared types, link/unlink, hiding, batching."""

from __future__ import annotations

import sqlalchemy as sa
from strawberry.relay import to_base64

from core.audit.models import AuditEvent
from core.links.models import Link
from core.testing import login_as
from tests.fixture_modules import traders
from tests.fixture_modules.traders.module import TradersModule
from tests.fixture_modules.wares.module import WaresModule

LINK = """mutation($input: LinkInput!) {
  link(input: $input) { id relation entityType note createdBy entity { id entityType module } }
}"""
UNLINK = "mutation($input: UnlinkInput!) { unlink(input: $input) }"
CONSIGNMENT_LINKS = """query($id: ID!, $relation: String, $type: String, $first: Int! = 50) {
  node(id: $id) { ... on Entity { links(relation: $relation, entityType: $type, first: $first) {
    relation entityType note entity { id ... on Trader { name } ... on Consignment { ref } } } } }
}"""


def gid(type_name: str, record_id: str | int) -> str:
    return to_base64(type_name, record_id)


async def both_apps(make_app, *, traders_enabled: bool = True):
    names = ["wares", "traders"] if traders_enabled else ["wares"]
    return await make_app(modules=names, extra_modules=[WaresModule(), TradersModule()])


async def add(app, kind: str, name: str) -> str:
    if kind == "Trader":
        body = await app.gql("mutation($n: String!) { addTrader(name: $n) { id } }", {"n": name})
        return body["data"]["addTrader"]["id"]
    body = await app.gql("mutation($n: String!) { addConsignment(ref: $n) { id } }", {"n": name})
    return body["data"]["addConsignment"]["id"]


async def links_of(app, node_id: str, token: str, **variables) -> list[dict]:
    body = await app.gql(CONSIGNMENT_LINKS, {"id": node_id, **variables}, token=token)
    return body["data"]["node"]["links"]


async def test_link_is_read_from_both_sides(make_app):
    app = await both_apps(make_app)
    token = await login_as(app, "officer1", "officer")
    consignment, trader = await add(app, "Consignment", "C1"), await add(app, "Trader", "Acme")
    edge = {"source": consignment, "relation": "importer", "target": trader, "note": " ok "}
    body = await app.gql(LINK, {"input": edge}, token=token)
    created = body["data"]["link"]
    assert created["relation"] == "importer"
    assert created["note"] == "ok"
    assert created["createdBy"] == "officer1"
    assert created["entity"] == {"id": trader, "entityType": "Trader", "module": "traders"}

    [seen] = await links_of(app, consignment, token)
    assert seen["entity"]["name"] == "Acme"
    [back] = await links_of(app, trader, token)
    assert (back["relation"], back["entityType"], back["entity"]["ref"]) == (
        "importerOf",
        "Consignment",
        "C1",
    )
    assert await links_of(app, trader, token, relation="importer") == []
    assert await links_of(app, trader, token, type="Trader") == []
    assert len(await links_of(app, trader, token, relation="importerOf", type="Consignment")) == 1


async def test_link_refuses_what_is_not_declared_or_not_there(make_app):
    app = await both_apps(make_app)
    consignment, trader = await add(app, "Consignment", "C1"), await add(app, "Trader", "Acme")
    edge = {"source": consignment, "relation": "importer", "target": trader}

    token: str | None = None

    async def error(mutation: str, payload: dict) -> dict:
        body = await app.gql(mutation, {"input": payload}, token=token, expect_errors=True)
        return body["errors"][0]["extensions"]

    assert (await error(LINK, edge))["code"] == "UNAUTHENTICATED"
    token = await login_as(app, "analyst1", "analyst")
    assert (await error(LINK, edge))["code"] == "FORBIDDEN"
    token = await login_as(app, "officer1", "officer")
    assert await error(LINK, {**edge, "relation": "exporter"}) == {
        "code": "UNKNOWN_RELATION",
        "field": "relation",
    }
    assert await error(LINK, {**edge, "target": gid("Trader", 999)}) == {
        "code": "NOT_FOUND",
        "field": "target",
    }
    assert await error(LINK, {**edge, "target": gid("Seizure", 1)}) == {
        "code": "UNKNOWN_ENTITY_TYPE",
        "field": "target",
    }
    await app.gql(LINK, {"input": edge}, token=token)
    assert (await error(LINK, edge))["code"] == "CONFLICT"
    # The inverse relation names the same link from the other side.
    inverse = {"source": trader, "relation": "importerOf", "target": consignment}
    assert (await error(LINK, inverse))["code"] == "CONFLICT"
    assert (await app.gql(UNLINK, {"input": inverse}, token=token))["data"]["unlink"] is True
    assert await links_of(app, consignment, token) == []
    assert (await error(UNLINK, edge))["code"] == "NOT_FOUND"


async def test_links_to_a_disabled_module_are_hidden_then_back(make_app):
    app = await both_apps(make_app)
    token = await login_as(app, "officer1", "officer")
    consignment, trader = await add(app, "Consignment", "C1"), await add(app, "Trader", "Acme")
    edge = {"source": consignment, "relation": "importer", "target": trader}
    await app.gql(LINK, {"input": edge}, token=token)

    without = await both_apps(make_app, traders_enabled=False)
    body = await without.gql(
        "query($id: ID!) { node(id: $id) { ... on Entity { links { relation } } } }",
        {"id": consignment},
        token=token,
    )
    assert body["data"]["node"]["links"] == []
    body = await without.gql(LINK, {"input": edge}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNKNOWN_ENTITY_TYPE"
    async with without.instance.db.session() as session:  # hidden, not deleted
        assert await session.scalar(sa.select(sa.func.count()).select_from(Link)) == 1

    again = await both_apps(make_app)
    [link] = await links_of(again, consignment, token)
    assert link["entity"]["name"] == "Acme"


async def test_links_of_many_records_cost_a_constant_number_of_queries(make_app):
    app = await both_apps(make_app)
    token = await login_as(app, "officer1", "officer")
    statements: list[str] = []
    sa.event.listen(
        app.instance.db.engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    query = "{ consignments { ref links(first: 2) { entity { ... on Trader { name } } } } }"

    async def cost(count: int) -> int:
        for i in range(count):
            consignment = await add(app, "Consignment", f"C{i}")
            for name in ("A", "B", "C"):
                trader = await add(app, "Trader", f"{name}{i}")
                edge = {"source": consignment, "relation": "importer", "target": trader}
                await app.gql(LINK, {"input": edge}, token=token)
        statements.clear()
        traders.module.RESOLVE_CALLS.clear()
        body = await app.gql(query)
        assert all(len(c["links"]) == 2 for c in body["data"]["consignments"])
        assert len(traders.module.RESOLVE_CALLS) == 1  # one resolve_nodes for every trader
        # Background work (outbox relay, search) runs meanwhile: count only this query's tables.
        tables = ("core_link", "traders_trader", "wares_consignment")
        return len([s for s in statements if any(table in s for table in tables)])

    assert await cost(2) == await cost(5) == 3  # consignments, their links, the traders


async def test_first_is_bounded_by_the_page_size(make_app):
    app = await both_apps(make_app)
    consignment = await add(app, "Consignment", "C1")
    token = await login_as(app, "officer1", "officer")
    body = await app.gql(
        CONSIGNMENT_LINKS, {"id": consignment, "first": 0}, token=token, expect_errors=True
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}


async def test_link_and_unlink_are_audited(make_app):
    app = await both_apps(make_app)
    token = await login_as(app, "officer1", "officer")
    consignment, trader = await add(app, "Consignment", "C1"), await add(app, "Trader", "Acme")
    edge = {"source": consignment, "relation": "importer", "target": trader, "note": "seen"}
    await app.gql(LINK, {"input": edge}, token=token)
    del edge["note"]
    await app.gql(UNLINK, {"input": {**edge, "source": consignment}}, token=token)
    async with app.instance.db.session() as session:
        events = (
            await session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.like("link.%"))
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert [(e.action, e.actor_name, e.entity_type) for e in events] == [
        ("link.created", "officer1", "Consignment"),
        ("link.removed", "officer1", "Consignment"),
    ]
    assert events[0].detail["relation"] == "importer"
    assert events[0].detail["has_note"] is True and "seen" not in str(events[0].detail)
    assert events[0].detail["target"].startswith("Trader:")
