"""`ncen intelligence import` (watch-list entries from CSV and XLSX, all rows or none) and
`ncen xref MODULE`, run through click as the command line runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select

from core.auth.accounts import Profile, create_user
from core.instance import Instance
from core.testing import make_config
from plugins.intelligence import service
from plugins.intelligence.cli import import_command, xref_command
from plugins.intelligence.models import WatchListEntry
from plugins.suspects import demo
from tests.intelligence.helpers import MODULES


async def _prepare(config: Any) -> int:
    """Schema, an analyst, a watch list of theirs, 30 demo persons; the list's number."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    instance = Instance(config)
    try:
        await instance.migrator.upgrade()
        await instance.start()
        await create_user(
            instance,
            "tests",
            "analyst1",
            roles=["analyst"],
            profile=Profile(),
            password="analyst-test-pass-8c1f",
        )
        from core.auth.models import User
        from plugins.intelligence.access import principal_of_user

        async with instance.db.session() as session:
            uid = await session.scalar(select(User.id).where(User.username == "analyst1"))
            principal = await principal_of_user(session, uid)
        watch_list = await service.create_list(
            instance, principal, service.ListData(name="Imported")
        )
        async with instance.db.transaction() as session:
            await demo.load(session, 30)
        return watch_list.id
    finally:
        await instance.stop()


async def _entries(config: Any) -> list[WatchListEntry]:
    instance = Instance(config)
    try:
        async with instance.db.session() as session:
            return list((await session.scalars(select(WatchListEntry))).all())
    finally:
        await instance.db.dispose()


def test_entries_are_imported_from_csv_and_xlsx_all_or_nothing(
    database_url: str, tmp_path: Path
) -> None:
    config = make_config(database_url, tmp_path / "data", MODULES)
    list_id = asyncio.run(_prepare(config))
    runner = CliRunner()

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,names,identifiers\n"
        "person,Ivan Petrov,document:K1234567\n"
        "conveyance,,container:CSQU3054384\n",  # wrong check digit
        encoding="utf-8",
    )
    args = [str(list_id), str(bad), "--user", "analyst1"]
    result = runner.invoke(import_command, args, obj={"config": config})
    assert result.exit_code != 0
    assert "bad.csv row 3, identifiers[0].value" in result.output
    assert "check digit" in result.output
    assert asyncio.run(_entries(config)) == []

    good = tmp_path / "good.csv"
    good.write_text(
        "Kind;Names;Birth_Date;Nationalities;Identifiers;Terms;Note\n"
        "person;Ivan Petrov| Vanya Petrov;1971-05;RU;document:K1234567;;from liaison officer\n"
        "\n"
        "conveyance;;;;plate:AB-123-CD | imo:9074729;;\n"
        "term;;;;;Ocean Pioneer;;\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        import_command, [str(list_id), str(good), "--user", "analyst1"], obj={"config": config}
    )
    assert result.exit_code == 0, result.output
    assert "3 entries added" in result.output

    book = Workbook()
    sheet = book.active
    sheet.append(["kind", "names", "identifiers", "valid_until"])
    sheet.append(["company", "Havre Import Export SARL", "company:FR40303265045", "2027-12-31"])
    book.save(tmp_path / "companies.xlsx")
    xlsx = [str(list_id), str(tmp_path / "companies.xlsx"), "--user", "analyst1"]
    result = runner.invoke(import_command, xlsx, obj={"config": config})
    assert result.exit_code == 0, result.output

    stored = {e.label: e for e in asyncio.run(_entries(config))}
    assert set(stored) == {
        "Ivan Petrov",
        "plate AB-123-CD",
        "Ocean Pioneer",
        "Havre Import Export SARL",
    }
    person = stored["Ivan Petrov"]
    assert person.data["names"] == ["Ivan Petrov", "Vanya Petrov"]
    assert person.data["birthDate"] == "1971-05" and person.note == "from liaison officer"
    assert stored["plate AB-123-CD"].data["identifiers"] == [
        {"family": "plate", "value": "AB-123-CD"},
        {"family": "imo", "value": "9074729"},
    ]
    assert str(stored["Havre Import Export SARL"].valid_until) == "2027-12-31"


def test_xref_runs_with_a_progress_bar_and_reports(database_url: str, tmp_path: Path) -> None:
    config = make_config(database_url, tmp_path / "data", MODULES)
    asyncio.run(_prepare(config))
    result = CliRunner().invoke(xref_command, ["suspects"], obj={"config": config})
    assert result.exit_code == 0, result.output
    assert "suspects: " in result.output and "records cross-referenced" in result.output
    refused = CliRunner().invoke(xref_command, ["icomm"], obj={"config": config})
    assert refused.exit_code != 0 and "not enabled" in refused.output
