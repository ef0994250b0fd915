"""The outbox relay: retries, dead letters, isolation, leases, waking, stopping, sharing work.

Relays are driven with `run_once()`/`drain()` unless the test is about the background loop, and
time is moved by rewriting `available_at`, so nothing depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core.config import OutboxSettings
from core.db import utcnow
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import (
    DEAD,
    DONE,
    DONE_RETENTION,
    MAX_RETRY_DELAY,
    PENDING,
    OutboxEvent,
    OutboxHandler,
    OutboxRow,
    enqueue,
    enqueue_many,
    purge_done,
    retry_dead,
    retry_delay,
)
from core.testing import make_config

WAIT = 10.0  # upper bound for background work; a failing test waits this long, a passing one not


class Probe:
    """A module with one handler per topic, recording what it receives; topics can be made to fail."""

    def __init__(self, name: str, topics: Sequence[str]) -> None:
        self.info = ModuleInfo(name=name, version="1.0.0", label=f"{name} (test)")
        self.topics = tuple(topics)
        self.delivered: list[OutboxEvent] = []
        self.batches: list[list[int]] = []  # event ids per successful handler call
        self.failing: set[str] = set()
        self.gate: asyncio.Event | None = None  # when set, handlers wait for it
        self.entered = asyncio.Event()
        self.arrived = asyncio.Event()

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        return [OutboxHandler((topic,), self._handler(topic), name=topic) for topic in self.topics]

    def _handler(self, topic: str) -> Any:
        async def handle(events: Sequence[OutboxEvent]) -> None:
            self.entered.set()
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(0)  # let concurrent relays interleave
            if topic in self.failing:
                raise RuntimeError(f"{topic} is down")
            self.delivered.extend(events)
            self.batches.append([e.id for e in events])
            self.arrived.set()

        return handle

    @property
    def ids(self) -> list[int]:
        return [e.id for e in self.delivered]


@asynccontextmanager
async def instance_of(
    database_url: str, tmp_path: Path, *modules: Probe, **outbox: Any
) -> AsyncIterator[Instance]:
    """An instance (relay not started) with these probe modules over the test database."""
    settings = OutboxSettings(**{"poll_interval": 0.05, "retry_base_delay": 0.0, **outbox})
    config = make_config(
        database_url, tmp_path / "data", [m.info.name for m in modules], outbox=settings
    )
    instance = Instance(config, extra_modules=modules)
    await instance.migrator.upgrade()
    try:
        yield instance
    finally:
        await instance.stop()


async def write(instance: Instance, *topics: str) -> list[int]:
    """One row per topic (each topic here has at most one handler); their ids."""
    async with instance.db.transaction() as session:
        rows = [row for n, topic in enumerate(topics) for row in enqueue(session, topic, {"n": n})]
    return [row.id for row in rows]


async def rows(instance: Instance) -> dict[int, OutboxRow]:
    async with instance.db.session() as session:
        return {r.id: r for r in (await session.scalars(select(OutboxRow))).all()}


async def time_passes(instance: Instance) -> None:
    """Make every backoff and lease end now, as if the machine had slept through them."""
    async with instance.db.transaction() as session:
        await session.execute(update(OutboxRow).values(available_at=utcnow()))


async def test_failed_batch_backs_off_then_goes_dead_and_retry_revives_it(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.fail"])
    probe.failing.add("p.fail")
    async with instance_of(
        database_url, tmp_path, probe, max_attempts=3, retry_base_delay=10.0
    ) as instance:
        [row_id] = await write(instance, "p.fail")
        for attempt, delay in [(1, 10), (2, 20)]:
            before = utcnow()
            assert await instance.outbox.run_once() == 1
            row = (await rows(instance))[row_id]
            assert (row.status, row.attempts) == (PENDING, attempt)
            assert row.last_error == "RuntimeError: p.fail is down"
            assert before + dt.timedelta(seconds=delay) <= row.available_at
            assert row.available_at <= utcnow() + dt.timedelta(seconds=delay)
            assert await instance.outbox.run_once() == 0  # backing off
            await time_passes(instance)

        assert await instance.outbox.run_once() == 1
        row = (await rows(instance))[row_id]
        assert (row.status, row.attempts) == (DEAD, 3)
        await time_passes(instance)
        assert await instance.outbox.run_once() == 0  # dead rows are not claimed
        assert probe.delivered == []

        probe.failing.clear()
        assert await retry_dead(instance.db) == 1
        assert await instance.outbox.drain() == 1
        row = (await rows(instance))[row_id]
        assert (row.status, row.attempts, row.last_error) == (DONE, 1, None)
        assert probe.ids == [row_id]


def test_retry_delay_doubles_and_is_capped() -> None:
    settings = OutboxSettings(retry_base_delay=2.0)
    assert [retry_delay(settings, n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay(settings, 100) == MAX_RETRY_DELAY
    assert retry_delay(OutboxSettings(retry_base_delay=0.0), 5) == 0.0


async def test_a_failing_handler_does_not_affect_other_handlers_rows(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.ok", "p.fail"])
    probe.failing.add("p.fail")
    async with instance_of(database_url, tmp_path, probe) as instance:
        ok1, bad, ok2 = await write(instance, "p.ok", "p.fail", "p.ok")
        assert await instance.outbox.run_once() == 3  # one claim, two handler batches
        state = await rows(instance)
        assert [state[i].status for i in (ok1, bad, ok2)] == [DONE, PENDING, DONE]
        assert state[bad].last_error == "RuntimeError: p.fail is down"
        assert probe.ids == [ok1, ok2]


async def test_unhandled_topic_stays_pending_until_its_module_is_enabled(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path, Probe("probe", ["p.ok"])) as first:
        handled, orphan = await write(first, "p.ok", "other.topic")
        assert await first.outbox.drain() == 1
        state = await rows(first)
        assert state[handled].status == DONE
        assert (state[orphan].status, state[orphan].attempts) == (PENDING, 0)

    other = Probe("other", ["other.topic"])
    async with instance_of(database_url, tmp_path, Probe("probe", ["p.ok"]), other) as second:
        assert await second.outbox.drain() == 1
        assert other.ids == [orphan]
        assert (await rows(second))[orphan].status == DONE


async def test_a_dead_relays_rows_are_reclaimed_after_the_lease_only(
    database_url: str, tmp_path: Path
) -> None:
    first, second = Probe("probe", ["p.ok"]), Probe("probe", ["p.ok"])
    async with (
        instance_of(database_url, tmp_path, first, lease_seconds=60.0) as dying,
        instance_of(database_url, tmp_path, second, lease_seconds=60.0) as survivor,
    ):
        [row_id] = await write(dying, "p.ok")
        claimed, lease_end = await dying.outbox._claim()  # claims, then "dies" before dispatch
        assert [r.id for r in claimed] == [row_id]
        assert await survivor.outbox.drain() == 0  # the lease is still valid

        await time_passes(survivor)
        assert await survivor.outbox.drain() == 1
        assert second.ids == [row_id]
        row = (await rows(survivor))[row_id]
        assert (row.status, row.attempts) == (DONE, 2)

        # The first relay coming back late cannot overwrite the outcome: its lease is gone.
        await dying.outbox._record([], [(claimed[0], "late failure")], lease_end)
        assert (await rows(survivor))[row_id].status == DONE


async def test_rows_whose_leases_keep_expiring_end_dead(database_url: str, tmp_path: Path) -> None:
    probe = Probe("probe", ["p.ok"])
    async with instance_of(database_url, tmp_path, probe, max_attempts=2) as instance:
        [row_id] = await write(instance, "p.ok")
        for _ in range(2):  # a relay that dies each time it takes this row
            assert len((await instance.outbox._claim())[0]) == 1
            await time_passes(instance)
        assert await instance.outbox.run_once() == 0
        row = (await rows(instance))[row_id]
        assert (row.status, row.attempts) == (DEAD, 2)
        assert "no outcome after 2 attempts" in (row.last_error or "")
        assert probe.delivered == []


async def test_a_handler_is_cut_off_when_its_lease_ends(database_url: str, tmp_path: Path) -> None:
    probe = Probe("probe", ["p.ok"])
    probe.gate = asyncio.Event()  # never set: the handler hangs
    async with instance_of(database_url, tmp_path, probe, lease_seconds=0.2) as instance:
        [row_id] = await write(instance, "p.ok")
        assert await instance.outbox.run_once() == 1
        row = (await rows(instance))[row_id]
        assert (row.status, row.attempts) == (PENDING, 1)
        assert "lease ended" in (row.last_error or "")


async def test_background_relay_survives_handler_errors_and_wakes_on_commit(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.ok", "p.fail"])
    probe.failing.add("p.fail")
    # A poll interval longer than WAIT: only the commit listener can deliver in time.
    async with instance_of(
        database_url, tmp_path, probe, poll_interval=60.0, max_attempts=1
    ) as instance:
        await instance.start()
        [bad] = await write(instance, "p.fail")
        await asyncio.wait_for(probe.entered.wait(), WAIT)
        [good] = await write(instance, "p.ok")
        await asyncio.wait_for(probe.arrived.wait(), WAIT)
        assert probe.ids == [good]
        assert (await rows(instance))[bad].status == DEAD

        await asyncio.sleep(0.05)  # let the relay settle into its wait
        probe.arrived.clear()
        [later] = await write(instance, "p.ok")
        await asyncio.wait_for(probe.arrived.wait(), WAIT)
        assert probe.ids == [good, later]


async def delivered(probe: Probe, count: int) -> None:
    """Wait until the probe has received `count` events."""
    async with asyncio.timeout(WAIT):
        while len(probe.delivered) < count:
            probe.arrived.clear()
            await probe.arrived.wait()


async def test_commits_soon_after_a_batch_share_the_next_one(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.ok"])
    # Two quick commits land well inside the interval, however slow the machine.
    async with instance_of(database_url, tmp_path, probe, batch_interval=2.0) as instance:
        await instance.start()
        [first] = await write(instance, "p.ok")
        await delivered(probe, 1)  # an idle relay takes the first commit at once
        [second] = await write(instance, "p.ok")
        [third] = await write(instance, "p.ok")
        await delivered(probe, 3)
        assert probe.batches == [[first], [second, third]]


async def test_a_full_batch_is_followed_at_once_and_stop_ends_a_pause(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.ok"])
    # An interval far longer than WAIT: only a backlog may skip it.
    async with instance_of(
        database_url, tmp_path, probe, batch_size=2, batch_interval=60.0
    ) as instance:
        ids = await write(instance, "p.ok", "p.ok", "p.ok")
        await instance.start()
        await delivered(probe, 3)
        assert probe.batches == [ids[:2], ids[2:]]
        [waiting] = await write(instance, "p.ok")  # the relay is pausing now
        await asyncio.wait_for(instance.outbox.stop(), WAIT)
        assert (await rows(instance))[waiting].status == PENDING


async def test_stop_lets_the_batch_in_flight_finish(database_url: str, tmp_path: Path) -> None:
    probe = Probe("probe", ["p.ok"])
    probe.gate = asyncio.Event()
    async with instance_of(database_url, tmp_path, probe) as instance:
        await instance.start()
        [row_id] = await write(instance, "p.ok")
        await asyncio.wait_for(probe.entered.wait(), WAIT)
        stopping = asyncio.create_task(instance.outbox.stop())
        await asyncio.sleep(0.01)
        assert not stopping.done()  # waiting for the handler, not abandoning it
        probe.gate.set()
        await asyncio.wait_for(stopping, WAIT)
        assert (await rows(instance))[row_id].status == DONE
        await instance.outbox.stop()  # stopping twice is harmless

        probe.gate = None
        probe.arrived.clear()
        await instance.outbox.start()  # and it can start again
        [again] = await write(instance, "p.ok")
        await asyncio.wait_for(probe.arrived.wait(), WAIT)
        assert probe.ids[-1] == again


async def test_rows_exist_only_if_their_transaction_or_savepoint_commits(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe("probe", ["p.ok"])
    async with instance_of(database_url, tmp_path, probe) as instance:
        async with instance.db.transaction() as session:
            [kept] = enqueue(session, "p.ok", {"n": "kept"})
            savepoint = await session.begin_nested()
            enqueue(session, "p.ok", {"n": "withdrawn"})
            await savepoint.rollback()
            async with session.begin_nested():
                [inner] = enqueue(session, "p.ok", {"n": "inner"})
        with pytest.raises(RuntimeError):
            async with instance.db.transaction() as session:
                enqueue(session, "p.ok", {"n": "rolled back"})
                raise RuntimeError("rolled back")
        stored = await rows(instance)
        assert sorted(r.payload["n"] for r in stored.values()) == ["inner", "kept"]
        assert {kept.id, inner.id} == set(stored)

        # A batch's rows (`enqueue_many`) follow their transaction or savepoint alike.
        async with instance.db.transaction() as session:
            enqueue_many(session, "p.ok", [{"n": "batch 1"}, {"n": "batch 2"}])
            savepoint = await session.begin_nested()
            enqueue_many(session, "p.ok", [{"n": "batch withdrawn"}])
            await savepoint.rollback()
            async with session.begin_nested():
                enqueue_many(session, "p.ok", [{"n": "batch inner"}])
            enqueue(session, "p.ok", {"n": "single after"})
        stored = await rows(instance)
        assert sorted(r.payload["n"] for r in stored.values()) == [
            "batch 1",
            "batch 2",
            "batch inner",
            "inner",
            "kept",
            "single after",
        ]
        assert {r.handler for r in stored.values()} == {stored[kept.id].handler}  # one handler


async def test_purge_deletes_old_done_rows_only(database_url: str, tmp_path: Path) -> None:
    probe = Probe("probe", ["p.ok"])
    async with instance_of(database_url, tmp_path, probe) as instance:
        old, recent, pending, dead = await write(instance, "p.ok", "p.ok", "x", "x")
        long_ago = utcnow() - dt.timedelta(days=30)
        async with instance.db.transaction() as session:
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == old).values(status=DONE, done_at=long_ago)
            )
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == recent)
                .values(status=DONE, done_at=utcnow())
            )
            await session.execute(update(OutboxRow).where(OutboxRow.id == dead).values(status=DEAD))
        assert await purge_done(instance.db, dt.timedelta(days=7)) == 1
        assert sorted(await rows(instance)) == [recent, pending, dead]


async def test_purge_works_through_many_rows_in_chunks(database_url: str, tmp_path: Path) -> None:
    probe = Probe("probe", ["p.ok"])
    async with instance_of(database_url, tmp_path, probe) as instance:
        ids = await write(instance, *["p.ok"] * 7)
        async with instance.db.transaction() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids[:5]))
                .values(status=DONE, done_at=utcnow() - dt.timedelta(days=30))
            )
        assert await purge_done(instance.db, dt.timedelta(days=7), chunk=2) == 5
        assert sorted(await rows(instance)) == ids[5:]


async def test_concurrent_relays_never_dispatch_a_row_twice(
    database_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL this exercises FOR UPDATE SKIP LOCKED; on SQLite, BEGIN IMMEDIATE."""
    probes = [Probe("probe", ["p.ok"]) for _ in range(4)]
    async with (
        instance_of(database_url, tmp_path, probes[0], batch_size=7) as a,
        instance_of(database_url, tmp_path, probes[1], batch_size=7) as b,
        instance_of(database_url, tmp_path, probes[2], batch_size=7) as c,
        instance_of(database_url, tmp_path, probes[3], batch_size=7) as d,
    ):
        written = await write(a, *["p.ok"] * 300)
        taken = await asyncio.gather(*(i.outbox.drain() for i in (a, b, c, d)))
        delivered = [event_id for probe in probes for event_id in probe.ids]
        assert sum(taken) == 300
        assert sorted(delivered) == sorted(written)  # every row, none twice
        assert {r.status for r in (await rows(a)).values()} == {DONE}


async def test_running_relay_purges_at_most_once_per_period(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path, Probe("probe", ["p.ok"])) as instance:
        long_ago = utcnow() - DONE_RETENTION - dt.timedelta(days=1)
        mark_old = update(OutboxRow).values(status=DONE, done_at=long_ago)
        await write(instance, "p.ok")
        async with instance.db.transaction() as session:
            await session.execute(mark_old)
        await instance.outbox._purge_if_due()
        assert await rows(instance) == {}

        [second] = await write(instance, "p.ok")
        async with instance.db.transaction() as session:
            await session.execute(mark_old)
        await instance.outbox._purge_if_due()  # purged a moment ago: not yet again
        assert list(await rows(instance)) == [second]


async def test_hasten_makes_a_handlers_backing_off_rows_ready_now(
    database_url: str, tmp_path: Path
) -> None:
    from core.outbox import hasten

    probe = Probe("probe", ["p.peer", "p.other"])
    probe.failing.update({"p.peer", "p.other"})
    async with instance_of(database_url, tmp_path, probe, retry_base_delay=600.0) as instance:
        first, second, other = await write(instance, "p.peer", "p.peer", "p.other")
        await instance.outbox.drain()  # all fail once and back off for 10 minutes
        assert await instance.outbox.drain() == 0
        probe.failing.clear()  # the peer is back
        assert await hasten(instance.db, "p.peer", exclude=[second]) == 1
        assert await instance.outbox.drain() == 1
        assert probe.ids == [first]
        state = await rows(instance)
        assert state[second].status == PENDING and state[other].status == PENDING
        assert state[second].available_at > utcnow()  # excluded: still backing off
