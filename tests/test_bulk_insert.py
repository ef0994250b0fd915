"""core.bulk_insert stores exactly what SQLAlchemy's own executemany stores: the same text for
dates and times, the same JSON, the same numbers (it skips SQLAlchemy's per-row parameter
handling on SQLite, not its bind processors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert

from core.audit.models import AuditEvent
from core.bulk_insert import insert_many, insert_many_sync
from core.outbox import OutboxRow
from core.records.bulk import _layout, _values_of
from plugins.seizures.models import Case, GoodsLine


def _row_of(state: dict[str, Any], model: type, extra: dict[str, Any]) -> dict[str, Any]:
    """A row as bulk record inserts make it (defaults for what the state does not set)."""
    layout = _layout(model, "id")
    return {**dict(zip(layout.columns, _values_of(state, layout, None), strict=True)), **extra}


NOW = dt.datetime(2026, 3, 5, 14, 30, 1, 250, tzinfo=dt.UTC)
CASE = _row_of(
    {
        "seizure_date": dt.date(2026, 3, 5),
        "seizure_time": dt.time(14, 30),
        "area": "drugs",
        "place_country": "NL",
        "form": "full",
        "status": "draft",
        "version": 1,
        "created_by": None,
        "extra": {"note": ["é", 1, None]},
        "narrative": "Seizure of cocaine",
    },
    Case,
    {},
)
GOODS = _row_of(
    {"commodity": "cocaine", "quantity": Decimal("12.50"), "unit": "KGM", "pieces": 3},
    GoodsLine,
    {"position": 0},
)
EVENT = {
    "occurred_at": NOW,
    "actor_type": "user",
    "actor_id": "1",
    "actor_name": "clerk",
    "action": "test.insert",
    "entity_type": "Seizure",
    "entity_id": "1",
    "fields": ["area", "goods"],
    "purpose": None,
    "detail": {"reference": "XX-2026-000001", "é": True},
    "prev_hash": "0" * 64,
}
OUTBOX = {
    "topic": "test.topic",
    "handler": "test",
    "payload": {"id": "1", "nested": {"a": [1, 2]}},
    "status": "pending",
    "attempts": 0,
    "created_at": NOW,
    "available_at": NOW,
}


async def _stored(session: Any, table: Table, key: str, ids: tuple[int, int]) -> list[Any]:
    """Both rows as the driver reads them back, without their key and unique columns."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        f"SELECT * FROM {table.name} WHERE {key} IN ({ids[0]}, {ids[1]}) ORDER BY {key}"
    )
    names = list(result.keys())
    unique = {key, "reference", "hash", "case_id"}
    return [{n: v for n, v in zip(names, row, strict=True) if n not in unique} for row in result]


def _variant(table: Table, key: str, number: int) -> dict[str, Any]:
    """The key and unique columns of row `number`."""
    found: dict[str, Any] = {key: number}
    if table.name == "seizures_case":
        found["reference"] = f"XX-{number}"
    elif table.name == "seizures_goods_line":
        found["case_id"] = number
    elif table.name == "core_audit_event":
        found["hash"] = f"h{number}"
    return found


async def test_rows_are_stored_as_sqlalchemy_stores_them(make_app):
    app = await make_app(modules=["seizures"])
    tables: list[tuple[Any, str, dict[str, Any]]] = [
        (Case.__table__, "id", CASE),
        (GoodsLine.__table__, "id", GOODS),  # child rows of the cases above
        (AuditEvent.__table__, "seq", EVENT),
        (OutboxRow.__table__, "id", OUTBOX),
    ]
    first, second = 900_001, 900_002
    async with app.instance.db.transaction() as session:
        for table, key, row in tables:
            await session.execute(insert(table), [{**row, **_variant(table, key, first)}])
            rows = [{**row, **_variant(table, key, second)}]
            if table.name == "core_outbox":  # the outbox's before-commit hook is synchronous
                await session.run_sync(lambda sync, t=table, r=rows: insert_many_sync(sync, t, r))
            else:
                await insert_many(session, table, rows)
            orm_way, bulk_way = await _stored(session, table, key, (first, second))
            assert bulk_way == orm_way, table.name
            assert [type(v) for v in bulk_way.values()] == [type(v) for v in orm_way.values()]
