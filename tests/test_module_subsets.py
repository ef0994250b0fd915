"""The schema and the migrations follow the enabled subset; a disabled module's data survives."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect, text

from core.testing import login_as
from tests.fixture_modules.alpha.module import AlphaModule
from tests.fixture_modules.beta.module import BetaModule


async def table_names(app) -> set[str]:
    async with app.instance.db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def root_fields(app, root: str = "queryType") -> set[str]:
    """Introspected as a signed-in caller (anonymous ones get no introspection by default)."""
    token = await login_as(app, f"reader-{uuid.uuid4().hex[:8]}")
    body = await app.gql(f"{{ __schema {{ {root} {{ fields {{ name }} }} }} }}", token=token)
    kind = body["data"]["__schema"][root]
    return {f["name"] for f in kind["fields"]} if kind else set()


async def test_empty_module_set_serves_only_core(make_app):
    app = await make_app(modules=[])
    assert (await app.gql("{ modules { name } }"))["data"]["modules"] == []
    assert {"node", "modules", "health"} <= await root_fields(app)
    tables = await table_names(app)
    assert "core_outbox" in tables
    assert not any(t.startswith(("alpha_", "seizures_")) for t in tables)


@pytest.mark.parametrize(
    ("modules", "added_fields"),
    [
        ([], set()),
        (["alpha"], {"alphaItems", "alphaBoom", "alphaWait", "alphaNumbers", "alphaCount"}),
        (
            ["alpha", "beta"],
            {"alphaItems", "alphaBoom", "alphaWait", "alphaNumbers", "alphaCount", "betaPing"},
        ),
    ],
)
async def test_schema_follows_the_subset(make_app, modules, added_fields):
    core_only = await make_app(modules=[])
    app = await make_app(modules=modules, extra_modules=[AlphaModule(), BetaModule()])
    assert await root_fields(app) - await root_fields(core_only) == added_fields
    names = [m["name"] for m in (await app.gql("{ modules { name } }"))["data"]["modules"]]
    assert names == modules


async def test_migrations_follow_the_subset_and_disabled_data_survives(make_app):
    alpha = AlphaModule()
    first = await make_app(modules=["alpha"], extra_modules=[alpha])
    assert "alpha_item" in await table_names(first)
    await first.gql('mutation { addAlphaItem(name: "kept") { id } }')
    await first.close()

    without = await make_app(modules=[], extra_modules=[alpha])
    assert "alphaItems" not in await root_fields(without)
    status = await without.instance.migrator.status()
    assert status["alpha"] == {"current": "alpha_0001", "head": "alpha_0001", "enabled": False}
    async with without.instance.db.session() as session:
        rows = (await session.execute(text("SELECT name FROM alpha_item"))).scalars().all()
    assert rows == ["kept"]
    await without.close()

    again = await make_app(modules=["alpha"], extra_modules=[alpha])
    body = await again.gql("{ alphaItems { name } }")
    assert body["data"]["alphaItems"] == [{"name": "kept"}]


async def test_instance_refuses_to_start_on_a_schema_behind_the_code(database_url, tmp_path):
    from core.errors import MigrationError
    from core.instance import Instance
    from core.testing import make_config

    instance = Instance(
        make_config(database_url, tmp_path, ["alpha"]), extra_modules=[AlphaModule()]
    )
    try:
        with pytest.raises(MigrationError, match=r"behind for \['core', 'alpha'\]"):
            await instance.start()
        await instance.migrator.upgrade()
        assert await instance.migrator.pending() == []
        await instance.start()
    finally:
        await instance.stop()
