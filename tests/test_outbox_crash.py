"""Nothing lost: a process killed between commit and dispatch, or between a handler's effect and
the mark `done`, leaves a row that a restarted instance delivers; the idempotent consumer ends
with exactly one effect (acceptance test of issue 2, item 6)."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.config import OutboxSettings
from core.db import utcnow
from core.instance import Instance
from core.outbox import DONE, PENDING, OutboxRow
from core.testing import make_config
from tests.fixture_modules.ledger.module import LedgerModule, effects

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


async def run_child(database_url: str, data_dir: Path, scenario: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.outbox_crash_child",
        database_url,
        str(data_dir),
        scenario,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, out, err.decode())


async def outbox_rows(instance: Instance) -> list[OutboxRow]:
    async with instance.db.session() as session:
        return list((await session.scalars(select(OutboxRow))).all())


async def restart(database_url: str, data_dir: Path) -> tuple[Instance, LedgerModule]:
    """A fresh instance over the same database, with a consumer that does not crash."""
    module = LedgerModule()
    instance = Instance(make_config(database_url, data_dir, ["ledger"]), extra_modules=[module])
    module.bind(instance.db)
    return instance, module


async def test_killed_after_commit_row_is_dispatched_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    await run_child(database_url, data_dir, "after-commit")

    instance, module = await restart(database_url, data_dir)
    try:
        [row] = await outbox_rows(instance)
        assert (row.status, row.attempts) == (PENDING, 0)  # committed, never dispatched
        assert await effects(instance.db) == {}
        assert await instance.outbox.drain() == 1
        assert await instance.outbox.drain() == 0
        assert module.deliveries == [row.id]
        assert await effects(instance.db) == {row.payload["entry_id"]: 1}
        [row] = await outbox_rows(instance)
        assert (row.status, row.attempts) == (DONE, 1)
    finally:
        await instance.stop()


async def test_killed_after_effect_before_done_is_redelivered_with_one_effect(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    await run_child(database_url, data_dir, "after-effect")

    instance, module = await restart(database_url, data_dir)
    try:
        [row] = await outbox_rows(instance)
        entry_id = row.payload["entry_id"]
        # The effect was applied, but the row is still claimed by the dead process.
        assert (row.status, row.attempts) == (PENDING, 1)
        assert await effects(instance.db) == {entry_id: 1}

        await asyncio.sleep(max((row.available_at - utcnow()).total_seconds(), 0) + 0.01)
        assert await instance.outbox.drain() == 1
        assert module.deliveries == [row.id]  # delivered again after the lease ended ...
        assert await effects(instance.db) == {entry_id: 1}  # ... with still one effect
        [row] = await outbox_rows(instance)
        assert (row.status, row.attempts) == (DONE, 2)
    finally:
        await instance.stop()


async def test_on_sqlite_a_restarted_relay_takes_back_the_dead_process_lease(
    database_url: str, tmp_path: Path
) -> None:
    """Issue 13, item 8: one relay per instance on SQLite, so a lease found at start-up belongs
    to a process that is gone; the row is delivered at once, not after the lease."""
    if not database_url.startswith("sqlite"):
        pytest.skip("several relays share a PostgreSQL database: a lease there may be alive")
    data_dir = tmp_path / "data"
    await run_child(database_url, data_dir, "after-effect")
    module = LedgerModule()
    settings = OutboxSettings(lease_seconds=3600.0, retry_base_delay=0.0, poll_interval=0.05)
    instance = Instance(
        make_config(database_url, data_dir, ["ledger"], outbox=settings), extra_modules=[module]
    )
    module.bind(instance.db)
    try:
        # The child's lease is short so that the other tests need not wait; make it an hour,
        # as a production lease would hold the row for a minute.
        async with instance.db.transaction() as session:
            await session.execute(
                update(OutboxRow).values(available_at=utcnow() + dt.timedelta(hours=1))
            )
        [row] = await outbox_rows(instance)
        assert (row.status, row.attempts) == (PENDING, 1)  # claimed by the dead process
        await instance.outbox.start()
        for _ in range(200):  # 10 s at most: far less than the hour of a lease
            if (await outbox_rows(instance))[0].status == DONE:
                break
            await asyncio.sleep(0.05)
        assert module.deliveries == [row.id]
        assert await effects(instance.db) == {row.payload["entry_id"]: 1}
    finally:
        await instance.stop()
