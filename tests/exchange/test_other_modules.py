"""Companies and persons through the same exchange: nominal columns guarded by their export
permissions, persons' exports noted as consultations, files importing back."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.codelists.sync import sync_code_lists
from core.exchange.cli import user_principal
from core.exchange.exporter import Exporter
from core.exchange.importer import Importer
from core.exchange.registry import exchange_type
from core.exchange.writers import open_writer
from core.testing import create_user


async def _export(app, username: str, module: str, path: Path) -> Exporter:
    exporter = Exporter(
        app.instance,
        await user_principal(app.instance, username),
        exchange_type(app.instance, module),
    )
    writer, handle = open_writer("csv", path, exporter.header)
    async for row in exporter.rows():
        writer.write(row)
    handle.close()
    await exporter.audit("csv")
    return exporter


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def test_companies_import_and_export_guard_names(make_app, tmp_path):
    app = await make_app(modules=["companies"])
    await sync_code_lists(app.instance)
    await create_user(app, "clerk", "officer")
    clerk = await user_principal(app.instance, "clerk")
    header = ["legalName", "country", "identifiers[0].scheme", "identifiers[0].value", "roles"]
    source = _write(
        tmp_path / "companies.csv",
        header,
        [
            ["Acme Trading BV", "NL", "company_number", "12345678", "importer;exporter"],
            ["Blue Freight Ltd", "GB", "company_number", "01234567", "carrier"],
        ],
    )
    xt = exchange_type(app.instance, "companies")
    done = await Importer(app.instance, clerk, xt).run(source, "csv", dry_run=False)
    assert (done.status, done.created) == ("done", 2), done.errors

    await create_user(app, "reviewer", "validator")  # sees drafts, may not export names
    plain = await _export(app, "reviewer", "companies", tmp_path / "plain.csv")
    assert "legalName" not in plain.header and plain.count == 2
    assert "Acme" not in (tmp_path / "plain.csv").read_text()
    await create_user(app, "lead", "validator", "analyst")
    full = await _export(app, "lead", "companies", tmp_path / "full.csv")
    assert "legalName" in full.header and "Acme" in (tmp_path / "full.csv").read_text()
    back = await Importer(app.instance, clerk, xt).run(tmp_path / "full.csv", "csv", dry_run=True)
    assert (back.status, back.created, back.error_count) == ("checked", 2, 0), back.errors


async def test_persons_export_needs_suspects_export_and_notes_consultations(make_app, tmp_path):
    app = await make_app(modules=["suspects"])
    await sync_code_lists(app.instance)
    await create_user(app, "clerk", "officer")
    clerk = await user_principal(app.instance, "clerk")
    source = _write(
        tmp_path / "persons.csv",
        ["category", "familyName", "givenNames", "dateOfBirth", "nationalities"],
        [["SUSPECT", "CANARY-SURNAME", "Ann", "1980-04", "NL;BE"]],
    )
    xt = exchange_type(app.instance, "suspects")
    done = await Importer(app.instance, clerk, xt).run(source, "csv", dry_run=False)
    assert (done.status, done.created) == ("done", 1), done.errors

    plain = await _export(app, "clerk", "suspects", tmp_path / "plain.csv")
    assert plain.count == 1 and "familyName" not in plain.header
    assert "CANARY" not in (tmp_path / "plain.csv").read_text()

    from core.auth.models import RolePermission

    async with app.instance.db.transaction() as session:
        session.add(RolePermission(role="officer", permission="suspects.export"))
    full = await _export(app, "clerk", "suspects", tmp_path / "full.csv")
    text = (tmp_path / "full.csv").read_text()
    assert "CANARY-SURNAME" in text and "1980-04" in text and "NL;BE" in text
    async with app.instance.db.session() as session:
        views = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "record.view", AuditEvent.entity_type == "Person"
            )
        )
    assert views == 1 and full.nominal
