"""`ncen outbox status` and `ncen outbox retry` on a SQLite file, through click's CliRunner."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from core.cli import cli
from core.config import OutboxSettings
from core.db import utcnow
from core.instance import Instance
from core.outbox import DEAD, DONE, PENDING, OutboxRow, enqueue
from core.outbox_cli import format_age
from core.testing import make_config


def database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'ncen.db'}"


def ncen(data_dir: Path, *args: str) -> Result:
    env = {
        "NCEN_CONFIG": "",
        "NCEN_DATA_DIR": str(data_dir),
        "NCEN_DATABASE_URL": database_url(data_dir),
        "NCEN_MODULES": "",  # no module: every pending topic is one without a handler
    }
    return CliRunner().invoke(cli, ["outbox", *args], env=env, obj={})


async def _seed(data_dir: Path) -> None:
    """Pending, dead and done rows in a migrated database; the oldest pending is 2 hours old."""
    config = make_config(database_url(data_dir), data_dir, [], outbox=OutboxSettings())
    instance = Instance(config)
    await instance.migrator.upgrade()
    try:
        async with instance.db.transaction() as session:
            rows = [
                row
                for topic in ["a.sent", "a.sent", "b.sync", "b.sync", "b.sync", "c.index"]
                for row in enqueue(session, topic, {})
            ]
        a1, _a2, b1, b2, _b3, c1 = (row.id for row in rows)
        async with instance.db.transaction() as session:
            two_hours_ago = utcnow() - dt.timedelta(hours=2)
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == a1).values(created_at=two_hours_ago)
            )
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([b1, b2]))
                .values(status=DEAD, attempts=8, last_error="boom")
            )
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == c1).values(status=DONE, done_at=utcnow())
            )
    finally:
        await instance.db.dispose()


async def _states(data_dir: Path) -> dict[str, list[tuple[str, int]]]:
    instance = Instance(make_config(database_url(data_dir), data_dir, []))
    try:
        async with instance.db.session() as session:
            rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    finally:
        await instance.db.dispose()
    states: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        states.setdefault(row.topic, []).append((row.status, row.attempts))
    return states


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    asyncio.run(_seed(path))
    return path


def test_status_counts_per_topic_and_state(data_dir: Path) -> None:
    result = ncen(data_dir, "status")
    assert result.exit_code == 0, result.output
    lines = [line.split("│") for line in result.output.splitlines() if "│" in line]
    cells = [[c.strip() for c in line[1:-1]] for line in lines]
    assert [c[:4] for c in cells] == [
        ["a.sent", "-", "pending", "2"],
        ["b.sync", "-", "dead", "2"],
        ["b.sync", "-", "pending", "1"],
        ["c.index", "-", "done", "1"],
    ]
    assert cells[0][5] == "no handler: module not enabled"
    assert cells[0][4].startswith("2h ")
    assert "oldest pending row: 2h " in result.output
    assert "(topic a.sent)" in result.output


def test_retry_moves_dead_rows_back_to_pending(data_dir: Path) -> None:
    result = ncen(data_dir, "retry", "--topic", "a.sent")
    assert (result.exit_code, result.output) == (
        0,
        "0 dead row(s) of topic a.sent moved back to pending\n",
    )

    result = ncen(data_dir, "retry", "--topic", "b.sync")
    assert (result.exit_code, result.output) == (
        0,
        "2 dead row(s) of topic b.sync moved back to pending\n",
    )
    states = asyncio.run(_states(data_dir))
    assert states["b.sync"] == [(PENDING, 0), (PENDING, 0), (PENDING, 0)]
    assert states["c.index"] == [(DONE, 0)]

    result = ncen(data_dir, "retry")
    assert (result.exit_code, result.output) == (0, "0 dead row(s) moved back to pending\n")


def test_retry_of_an_unknown_topic_is_a_one_line_error(data_dir: Path) -> None:
    result = ncen(data_dir, "retry", "--topic", "nope")
    assert result.exit_code == 1
    assert result.output == "Error: the outbox has no rows of topic 'nope'\n"


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = ncen(missing, "status")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no database at ")
    assert "Traceback" not in result.output
    assert not missing.exists()  # looking did not create a database

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "ncen.db").touch()
    result = ncen(empty, "status")
    assert result.exit_code == 1
    assert result.output == "Error: the database has no outbox table: run `ncen db upgrade` first\n"


def test_status_of_an_empty_outbox(tmp_path: Path) -> None:
    async def migrate() -> None:
        instance = Instance(make_config(database_url(tmp_path), tmp_path, []))
        await instance.migrator.upgrade()
        await instance.db.dispose()

    asyncio.run(migrate())
    result = ncen(tmp_path, "status")
    assert (result.exit_code, result.output) == (0, "the outbox is empty\n")


def test_format_age() -> None:
    assert format_age(dt.timedelta(seconds=45)) == "45s"
    assert format_age(dt.timedelta(minutes=12, seconds=3)) == "12m 03s"
    assert format_age(dt.timedelta(hours=5, minutes=7)) == "5h 07m"
    assert format_age(dt.timedelta(days=3, hours=4)) == "3d 04h"
    assert format_age(dt.timedelta(seconds=-1)) == "0s"
