"""The benchmarks keep working: each runs at a tiny size. Nothing here is timed or compared."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bench.__main__ import BENCHMARKS, main
from bench.common import bench_config, make_dirs
from bench.limits_bench import refusal_cases
from bench.pg_search_bench import postgresql_url
from core.cli import upgrade_instance
from core.instance import Instance
from plugins.seizures import demo
from plugins.seizures.models import Case

EXPECTED = {
    "list": {
        "list.floor_sql_json",
        "list.anchor_graphql_core",
        "list.http_seizures",
        "list.sql_statements",
        "list.http_seizures_unaudited",
        "list.sql_statements_unaudited",
    },
    "search": {
        "search.reindex",
        "search.term",
        "search.phrase",
        "search.fuzzy",
        "search.fielded",
        "search.fielded_date",
    },
    "write": {"write.create_seizure", "write.commit_to_searchable"},
    "http": {
        "http.bare_starlette",
        "http.stock_strawberry_me",
        "http.modules_anonymous",
        "http.graphql_me",
        "http.graphql_me_token",
        "http.seizures_10",
        "http.seizures_50_goods_route",
        "http.search_20",
        "http.codelist_countries_fr",
        "http.mix_50",
    },
    "startup": {"startup.serve_to_ready"},
    "limits": {
        "limits.nested_links_refused",
        "limits.nested_links_burst",
        "limits.fuzzy_aliases",
        "limits.fuzzy_search",
        "limits.largest_accepted",
        *(f"limits.refused.{case}" for case in refusal_cases()),
    },
    "update": {"update.apply", "update.rollback"},
    "icomm": {"icomm.delivery_steady", "icomm.delivery_peer_killed"},
    "exchange": {
        "exchange.export_csv",
        "exchange.statistics_month_area",
        "exchange.import_csv",
    },
    "intelligence": {
        "intelligence.screening_engine",
        "intelligence.screening_outbox",
        "intelligence.existing_records",
        "intelligence.xref",
        "intelligence.alert_latency",
    },
    # Only with a PostgreSQL server to run on (it says it was skipped otherwise).
    "pgsearch": {
        "pgsearch.rebuild",
        "pgsearch.term",
        "pgsearch.fielded_date",
        "pgsearch.phrase",
        "pgsearch.fuzzy",
        "pgsearch.term_facets",
        "pgsearch.fielded_date_facets",
    }
    if postgresql_url()
    else set(),
}


def test_every_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    records = main(["--tiny", "--quiet", "--output", str(output)])
    assert set(EXPECTED) == set(BENCHMARKS)
    assert {r["what"] for r in records} == set().union(*EXPECTED.values())
    written = json.loads(output.read_text())
    assert written["profile"] == "tiny"
    assert written["results"] == records
    for record in records:
        assert "size" in record
        one_run = ("list.sql_statements", "update.", "exchange.export", "exchange.import")
        if not record["what"].startswith(one_run) and record["what"] not in (
            "search.reindex",
            "intelligence.xref",
            "pgsearch.rebuild",
        ):
            assert "median_ms" in record and "p95_ms" in record, record
        if record.get("anchor"):
            assert record["ratio"] is not None, record


def _snapshot(data_dir: Path, bulk: bool) -> list[tuple[object, ...]]:
    make_dirs(data_dir)

    async def action() -> list[tuple[object, ...]]:
        instance = Instance(bench_config(data_dir))
        try:
            await upgrade_instance(instance)
            async with instance.db.transaction() as session:
                load = demo.load_bulk if bulk else demo.load
                await load(session, "XX", 40)
            async with instance.db.session() as session:
                cases = (
                    await session.scalars(
                        select(Case)
                        .order_by(Case.id)
                        .options(
                            selectinload(Case.goods),
                            selectinload(Case.route),
                            selectinload(Case.containers),
                        )
                    )
                ).all()
                return [
                    (
                        c.reference,
                        c.status,
                        c.seizure_date,
                        c.place_code,
                        c.narrative,
                        c.submitted_at,
                        [(g.commodity, g.quantity, g.value) for g in c.goods],
                        [(leg.role, leg.country, leg.date) for leg in c.route],
                        [k.number for k in c.containers],
                    )
                    for c in cases
                ]
        finally:
            await instance.db.dispose()

    return asyncio.run(action())


def test_bulk_demo_load_writes_the_same_cases_as_the_orm_load(tmp_path: Path) -> None:
    assert _snapshot(tmp_path / "orm", bulk=False) == _snapshot(tmp_path / "bulk", bulk=True)
