"""Imports and exports of seizures end to end: a file in, checked rows, records written
through the lifecycle, the same file again creating nothing, and exports reading back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.audit.verify import verify_chain
from core.exchange.cli import user_principal
from core.exchange.exporter import Exporter
from core.exchange.importer import Importer
from core.exchange.mapping import parse_mapping
from core.exchange.registry import exchange_type, exchange_types
from core.testing import create_user
from plugins.seizures.models import Case
from tests.seizures.helpers import seizures_app

HEADER = ["Case no.", "Date", "Country", "Area", "Goods", "Qty", "Unit", "Method"]
MAPPING = {
    "module": "seizures",
    "source": "nl-register",
    "key": "Case no.",
    "date_format": "%d/%m/%Y",
    "columns": {
        "Case no.": "nationalCaseNumber",
        "Date": "seizureDate",
        "Country": "place.country",
        "Area": "area",
        "Goods": "goods[0].commodity",
        "Qty": "goods[0].quantity",
        "Unit": "goods[0].unit",
        "Method": "detectionMethod",
    },
    "translate": {"goods[0].commodity": {"COC": "cocaine", "CIG": "cigarettes"}},
    "defaults": {"goods[0].unit": "KGM"},
}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


GOOD = [
    ["A-1", "05/03/2026", "NL", "drugs", "COC", "12.5", "", "xray_scanner"],
    ["A-2", "06/03/2026", "be", "tobacco", "CIG", "20000", "H87", "detector_dog"],
]


async def _importer(app, username="importer", mapping=MAPPING):
    await create_user(app, username, "officer")
    principal = await user_principal(app.instance, username)
    xt = exchange_type(app.instance, "seizures")
    return Importer(app.instance, principal, xt, parse_mapping(mapping), chunk=1)


async def _count(app, model=Case) -> int:
    async with app.instance.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_import_writes_then_reimport_creates_nothing(make_app, tmp_path):
    app = await seizures_app(make_app)
    importer = await _importer(app)
    path = write_csv(tmp_path / "in.csv", GOOD)

    checked = await importer.run(path, "csv", dry_run=True)
    assert (checked.status, checked.created, checked.error_count) == ("checked", 2, 0), (
        checked.errors
    )
    assert await _count(app) == 0

    done = await importer.run(path, "csv", dry_run=False)
    assert (done.status, done.created, done.updated) == ("done", 2, 0)
    async with app.instance.db.session() as session:
        cases = (await session.scalars(select(Case).order_by(Case.national_case_number))).all()
        assert [c.place_country for c in cases] == ["NL", "BE"]
        assert [c.status for c in cases] == ["draft", "draft"]
        creates = await session.scalar(
            select(func.count()).where(AuditEvent.action == "record.create")
        )
    assert creates == 2

    again = await importer.run(path, "csv", dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert await _count(app) == 2

    changed = write_csv(tmp_path / "changed.csv", [[*GOOD[0][:5], "15", "", "xray_scanner"]])
    updated = await importer.run(changed, "csv", dry_run=False)
    assert (updated.created, updated.updated) == (0, 1)
    assert await _count(app) == 2

    # Several records in one chunk: their audit events are chained in one append.
    more = [[f"B-{n}", *GOOD[n % 2][1:]] for n in range(5)]
    batch = Importer(app.instance, importer.principal, importer.xt, parse_mapping(MAPPING))
    done = await batch.run(write_csv(tmp_path / "more.csv", more), "csv", dry_run=False)
    assert (done.status, done.created) == ("done", 5)
    report = await verify_chain(app.instance.db)
    assert report.ok and report.checked >= 8, report


async def test_bad_rows_are_reported_and_nothing_is_written(make_app, tmp_path):
    app = await seizures_app(make_app)
    importer = await _importer(app)
    rows = [
        GOOD[0],
        ["A-3", "31/02/2026", "NL", "drugs", "COC", "1", "", "xray_scanner"],
        ["A-4", "07/03/2026", "NL", "drugs", "XYZ", "1", "", "xray_scanner"],
        ["A-5", "07/03/2026", "NL", "drugs", "COC", "-1", "", "xray_scanner"],
        ["A-1", "07/03/2026", "NL", "drugs", "COC", "1", "", "xray_scanner"],
    ]
    result = await importer.run(write_csv(tmp_path / "bad.csv", rows), "csv", dry_run=False)
    assert result.status == "refused"
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert found == {
        (3, "Date", "INVALID_FORMAT"),
        (4, "Goods", "UNKNOWN_CODE"),
        (5, "Qty", "INVALID_INPUT"),
        (6, "Case no.", "DUPLICATE_KEY"),
    }
    assert await _count(app) == 0


async def test_export_imports_back_and_guards_nominal_columns(make_app, tmp_path):
    app = await seizures_app(make_app)
    importer = await _importer(app)
    await importer.run(write_csv(tmp_path / "in.csv", GOOD), "csv", dry_run=False)
    async with app.instance.db.transaction() as session:
        for case in (await session.scalars(select(Case))).all():
            case.narrative = "CANARY-NARRATIVE"
    xt = exchange_type(app.instance, "seizures")

    await create_user(app, "viewer", "validator")  # sees drafts, no export permission
    viewer = Exporter(app.instance, await user_principal(app.instance, "viewer"), xt)
    rows = [row async for row in viewer.rows()]
    assert len(rows) == 2 and "narrative" not in viewer.header
    assert "CANARY" not in json.dumps(rows, default=str)

    await create_user(app, "exporter", "validator", "analyst")
    exporter = Exporter(
        app.instance, await user_principal(app.instance, "exporter"), xt, {"area": ["drugs"]}
    )
    rows = [row async for row in exporter.rows()]
    assert len(rows) == 1 and "narrative" in exporter.header
    assert "CANARY-NARRATIVE" in rows[0]


async def test_exchange_types_come_from_enabled_modules(make_app):
    app = await seizures_app(make_app)
    answers = app.instance.pm.hook.register_exchange_types()
    assert [xt.module for declared in answers for xt in declared] == ["seizures"]
    assert set(exchange_types(app.instance)) == {"seizures"}


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "exchange"


async def test_example_spreadsheet_and_csv_import_with_the_example_mapping(make_app, tmp_path):
    from core.exchange.mapping import load_mapping

    app = await seizures_app(make_app)
    await create_user(app, "importer", "officer")
    principal = await user_principal(app.instance, "importer")
    xt = exchange_type(app.instance, "seizures")
    mapping = load_mapping(EXAMPLES / "seizures-mapping.toml")
    importer = Importer(app.instance, principal, xt, mapping)
    done = await importer.run(EXAMPLES / "seizures-register.xlsx", "xlsx", dry_run=False)
    assert (done.status, done.created, done.error_count) == ("done", 3, 0), done.errors
    # Written in one batch (core.records.bulk): children, defaults and references as a create.
    from plugins.seizures.loaders import with_children

    async with app.instance.db.session() as session:
        cases = (
            await session.scalars(with_children(select(Case)).order_by(Case.national_case_number))
        ).all()
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "record.create"))
        ).all()
    first = cases[0]
    assert first.national_case_number == "R-2026-001" and first.reference.startswith("XX-")
    assert [(g.commodity, str(g.quantity), g.unit) for g in first.goods] == [
        ("cocaine", "12.500", "KGM")
    ]
    assert [(leg.position, leg.role, leg.country) for leg in first.route] == [(0, "origin", "CO")]
    assert first.created_at is not None and first.status == "draft" and first.version == 1
    assert len({c.reference for c in cases}) == 3
    assert sorted(e.entity_id for e in events) == sorted(str(c.id) for c in cases)
    assert "goods" in events[0].fields and events[0].detail["reference"].startswith("XX-")
    # The CSV holds the same register: same keys, nothing new.
    again = await importer.run(EXAMPLES / "seizures-register.csv", "csv", dry_run=False)
    assert (again.created, again.unchanged) == (0, 3), again.errors

    # What an export writes imports back with the default mapping (a new instance's view).
    from core.exchange.writers import open_writer

    exporter = Exporter(app.instance, principal, xt)
    out = tmp_path / "export.xlsx"
    writer, _ = open_writer("xlsx", out, exporter.header)
    async for row in exporter.rows():
        writer.write(row)
    writer.close()
    back = await Importer(app.instance, principal, xt).run(out, "xlsx", dry_run=True)
    assert (back.status, back.created, back.error_count) == ("checked", 3, 0), back.errors
