"""Bulk calls whose records a unique index refuses while they are written: one error per
record, nothing half-written, and the idempotency key's own refusal told apart from them."""

from __future__ import annotations

from sqlalchemy import func, select, text

from core.audit.models import AuditEvent
from core.exchange import bulk
from core.exchange.mapping import parse_mapping
from core.exchange.models import ExternalKey, IdempotencyKey
from plugins.seizures.models import Case, GoodsLine
from tests.exchange.test_import_export import MAPPING, _importer, write_csv
from tests.exchange.test_statistics_bulk import BULK
from tests.seizures.helpers import seizures_app, simplified_input, tokens


async def _unique_case_numbers(app) -> None:
    """A unique rule on a column (as a country plugin's migration might add): two records of
    one call with the same national case number are twins the database refuses."""
    async with app.instance.db.transaction() as session:
        await session.execute(
            text("CREATE UNIQUE INDEX test_case_number ON seizures_case (national_case_number)")
        )


async def _count(app, what) -> int:
    async with app.instance.db.session() as session:
        return await session.scalar(select(func.count()).select_from(what)) or 0


async def test_twins_in_one_call_get_an_error_each_and_leave_nothing(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    await _unique_case_numbers(app)
    records = [
        {"key": "T-1", "input": simplified_input(nationalCaseNumber="NL-1")},
        {"key": "T-2", "input": simplified_input(nationalCaseNumber="NL-1")},
        {"key": "T-3", "input": simplified_input(nationalCaseNumber="NL-3")},
    ]
    for idempotency_key in (None, "twins-1"):
        body = await app.gql(
            BULK, {"records": records, "key": idempotency_key}, token=who["officer"]
        )
        results = body["data"]["bulkUpsert"]["results"]
        if idempotency_key is None:
            first, twin, other = results
            assert first["status"] == other["status"] == "CREATED"
            assert twin["status"] == "INVALID" and twin["id"] is None
            assert [e["code"] for e in twin["errors"]] == ["DUPLICATE"]
        else:
            # The same records again: the twins' first is known now, the second refused again.
            assert [r["status"] for r in results] == ["UNCHANGED", "INVALID", "UNCHANGED"]
            assert results[1]["errors"][0]["code"] == "DUPLICATE"
    # Nothing of the refused record: no row, no child row, no key, no audit event.
    assert await _count(app, Case) == 2
    assert await _count(app, GoodsLine) == 2
    assert await _count(app, ExternalKey) == 2
    async with app.instance.db.session() as session:
        creates = await session.scalar(
            select(func.count()).where(AuditEvent.action == "record.create")
        )
        assert creates == 2
        stored = await session.scalar(select(IdempotencyKey))
        assert stored is not None and stored.response[1]["status"] == "invalid"
    again = await app.gql(BULK, {"records": records, "key": "twins-1"}, token=who["officer"])
    assert again["data"]["bulkUpsert"]["replayed"] is True


async def test_a_concurrent_call_with_the_same_key_is_in_progress(make_app, monkeypatch):
    app = await seizures_app(make_app)
    who = await tokens(app)
    records = [{"key": "C-1", "input": simplified_input()}]
    first = await app.gql(BULK, {"records": records, "key": "race"}, token=who["officer"])
    assert first["data"]["bulkUpsert"]["results"][0]["status"] == "CREATED"

    # The second call read no stored answer (the first had not committed yet), then lost on
    # the key's unique index when it kept its own: refused, its writes rolled back.
    async def not_yet(*_args):
        return None

    monkeypatch.setattr(bulk, "_stored", not_yet)
    records = [{"key": "C-2", "input": simplified_input()}]
    second = await app.gql(
        BULK, {"records": records, "key": "race"}, token=who["officer"], expect_errors=True
    )
    assert second["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert await _count(app, Case) == 1


async def test_an_import_whose_write_meets_twins_stops_with_the_row_and_its_chunk_undone(
    make_app, tmp_path
):
    app = await seizures_app(make_app)
    await _unique_case_numbers(app)
    importer = await _importer(app)
    importer.chunk = 10
    # Both rows pass the check (each alone is fine); the write refuses the second. Without a
    # key column: the case number is the twins' only tie.
    rows = [
        ["B-1", "05/03/2026", "NL", "drugs", "COC", "1", "", "xray_scanner"],
        ["B-1", "05/03/2026", "NL", "drugs", "COC", "2", "", "xray_scanner"],
    ]
    mapping = {k: v for k, v in MAPPING.items() if k != "key"}
    source = write_csv(tmp_path / "twins.csv", rows)
    importer.mapping = parse_mapping(mapping)
    result = await importer.run(source, "csv", dry_run=False)
    assert result.status == "failed" and "row 3" in (result.message or "")
    assert [(e.row, e.code) for e in result.errors] == [(3, "DUPLICATE")]
    assert await _count(app, Case) == 0  # the chunk holding both rows is rolled back
