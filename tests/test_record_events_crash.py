"""Record events survive a kill -9: two subscribers each receive every event, with one effect
per event id, whether the process died between commit and delivery or after a subscriber's
effect but before its row was marked done (acceptance test of issue 12, item 5)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.instance import Instance
from core.outbox import DONE, PENDING, OutboxRow
from core.testing import make_config
from tests.fixture_modules.tally.module import TallyModule, effects
from tests.fixture_modules.tally_watch.module import Subscriber
from tests.record_events_crash_child import NOTES

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = ("first_watch", "second_watch")

pytestmark = pytest.mark.slow


async def run_child(database_url: str, data_dir: Path, scenario: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.record_events_crash_child",
        database_url,
        str(data_dir),
        scenario,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, out, err.decode())


async def restart(database_url: str, data_dir: Path) -> tuple[Instance, list[Subscriber]]:
    """A fresh instance over the same database, with subscribers that do not crash."""
    subscribers = [Subscriber(name) for name in SUBSCRIBERS]
    modules = [TallyModule(), *subscribers]
    config = make_config(database_url, data_dir, [m.info.name for m in modules])
    return Instance(config, extra_modules=modules), subscribers


async def outbox_rows(instance: Instance) -> list[OutboxRow]:
    async with instance.db.session() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


def event_ids(instance_rows: list[OutboxRow]) -> set[str]:
    return {row.payload["event_id"] for row in instance_rows}


async def test_killed_after_commit_every_subscriber_gets_every_event_once(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    await run_child(database_url, data_dir, "after-commit")

    instance, subscribers = await restart(database_url, data_dir)
    try:
        rows = await outbox_rows(instance)
        assert len(rows) == NOTES * len(SUBSCRIBERS)  # committed, one row per subscriber
        assert {(r.status, r.attempts) for r in rows} == {(PENDING, 0)}
        ids = event_ids(rows)
        assert len(ids) == NOTES
        assert await effects(instance.db) == {}

        assert await instance.outbox.drain() == NOTES * len(SUBSCRIBERS)
        assert await instance.outbox.drain() == 0
        for subscriber in subscribers:
            received = [e.event_id for e in subscriber.received]
            assert sorted(received) == sorted(ids)  # every event, none twice
        assert await effects(instance.db) == {(s, e): 1 for s in SUBSCRIBERS for e in ids}
        assert {r.status for r in await outbox_rows(instance)} == {DONE}
    finally:
        await instance.stop()


async def test_killed_after_an_effect_redelivery_keeps_one_effect_per_event(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    await run_child(database_url, data_dir, "after-effect")

    instance, subscribers = await restart(database_url, data_dir)
    try:
        rows = await outbox_rows(instance)
        ids = event_ids(rows)
        # The first event's effect was applied by first_watch, but every row is still claimed
        # by the dead process: nothing was marked done.
        [(applied_by, applied_event)] = list(await effects(instance.db))
        assert applied_by == "first_watch"
        assert {r.status for r in rows} == {PENDING}
        assert {r.attempts for r in rows} == {1}

        lease_end = max(r.available_at for r in rows)
        await asyncio.sleep(max((lease_end - utcnow()).total_seconds(), 0) + 0.01)
        assert await instance.outbox.drain() == NOTES * len(SUBSCRIBERS)
        first, second = subscribers
        # Delivered again after the lease ended (at least once) ...
        assert sorted(e.event_id for e in first.received) == sorted(ids)
        assert sorted(e.event_id for e in second.received) == sorted(ids)
        assert applied_event in ids
        # ... with exactly one effect per subscriber and event id.
        assert await effects(instance.db) == {(s, e): 1 for s in SUBSCRIBERS for e in ids}
        assert {r.status for r in await outbox_rows(instance)} == {DONE}
    finally:
        await instance.stop()
