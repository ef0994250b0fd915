"""`on_records_changed`: the record events in batches, for subscribers that work on many records
at once; the batch is one outbox handler of its own, retried whole on failure."""

from __future__ import annotations

from pathlib import Path

from core.events import RecordEvent
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import DONE, PENDING
from tests.fixture_modules.tally.module import add_note
from tests.fixture_modules.tally_watch.module import Subscriber
from tests.test_outbox import time_passes
from tests.test_record_events import outbox_rows, tally


class BatchSubscriber:
    """Implements the batch hook only."""

    def __init__(self, name: str, *, failing: bool = False) -> None:
        self.info = ModuleInfo(name=name, version="1.0.0", label=name, requires=("tally",))
        self.failing = failing
        self.batches: list[list[RecordEvent]] = []

    @hookimpl
    async def on_records_changed(self, instance: Instance, events: list[RecordEvent]) -> None:
        self.batches.append(list(events))
        if self.failing:
            raise RuntimeError("down")


async def test_a_batch_subscriber_gets_the_events_together_and_in_order(
    database_url: str, tmp_path: Path
) -> None:
    batch, single = BatchSubscriber("batchwatch"), Subscriber("singlewatch")
    async with tally(database_url, tmp_path, batch, single) as instance:
        written = [await add_note(instance.db, f"note {n}") for n in range(4)]
        handlers = sorted({r.handler for r in await outbox_rows(instance)})
        assert handlers == ["batchwatch.on_records_changed", "singlewatch.on_record_changed"]
        await instance.outbox.drain()
        assert batch.batches == [written]  # one call with the four events, in commit order
        assert single.received == written


async def test_a_failing_batch_is_retried_whole(database_url: str, tmp_path: Path) -> None:
    batch = BatchSubscriber("batchwatch", failing=True)
    async with tally(database_url, tmp_path, batch) as instance:
        written = [await add_note(instance.db, f"note {n}") for n in range(2)]
        await instance.outbox.run_once()
        assert {r.status for r in await outbox_rows(instance)} == {PENDING}
        batch.failing = False
        await time_passes(instance)
        await instance.outbox.drain()
        assert batch.batches == [written, written]
        assert {r.status for r in await outbox_rows(instance)} == {DONE}
