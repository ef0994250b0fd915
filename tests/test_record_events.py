"""Record events: written in the record's transaction, delivered after commit to every
`on_record_changed` subscriber on its own, at least once, carrying names and never values."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.auth.principal import UserPrincipal
from core.events import RECORD_TOPIC, RecordEvent, enqueue_record_event
from core.hookspecs import hookimpl
from core.instance import Instance
from core.outbox import DONE, PENDING, OutboxRow
from core.testing import make_config
from tests.fixture_modules.tally.module import TallyModule, add_note, effects
from tests.fixture_modules.tally_watch.module import Subscriber
from tests.test_outbox import time_passes


@asynccontextmanager
async def tally(database_url: str, tmp_path: Path, *subscribers: Any) -> AsyncIterator[Instance]:
    """An instance (relay not started) with the tally module and these subscribers."""
    modules = [TallyModule(), *subscribers]
    config = make_config(database_url, tmp_path / "data", [m.info.name for m in modules])
    instance = Instance(config, extra_modules=modules)
    await instance.migrator.upgrade()
    try:
        yield instance
    finally:
        await instance.stop()


async def outbox_rows(instance: Instance) -> list[OutboxRow]:
    async with instance.db.session() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def test_every_subscriber_receives_every_event_once(
    database_url: str, tmp_path: Path
) -> None:
    first, second = Subscriber("first_watch"), Subscriber("second_watch")
    async with tally(database_url, tmp_path, first, second) as instance:
        written = [await add_note(instance.db, f"note {n}") for n in range(3)]
        rows = await outbox_rows(instance)
        assert sorted(r.handler for r in rows) == sorted(
            ["first_watch.on_record_changed", "second_watch.on_record_changed"] * 3
        )
        assert {r.topic for r in rows} == {RECORD_TOPIC}

        assert await instance.outbox.drain() == 6
        assert await instance.outbox.drain() == 0
        for subscriber in (first, second):
            assert subscriber.received == written  # each event, once, in order
        assert await effects(instance.db) == {
            (s.info.name, e.event_id): 1 for s in (first, second) for e in written
        }


async def test_an_event_names_what_changed_and_who_but_holds_no_value(
    database_url: str, tmp_path: Path
) -> None:
    subscriber = Subscriber("watch")
    async with tally(database_url, tmp_path, subscriber) as instance:
        officer = UserPrincipal(user_id=7, username="officer7", permissions=frozenset())
        async with instance.db.transaction() as session:
            event = enqueue_record_event(
                session,
                module="tally",
                entity_type="Note",
                entity_id=42,
                action="updated",
                version=3,
                actor=officer,
                fields=["title", "secretValue", "title"],
            )
        await instance.outbox.drain()
        [received] = subscriber.received
        assert received == event
        assert (received.entity_id, received.action, received.version) == ("42", "updated", 3)
        assert (received.actor_type, received.actor_id, received.actor_name) == (
            "user",
            "7",
            "officer7",
        )
        assert received.fields == ("title", "secretValue")
        assert len(received.event_id) == 32 and received.occurred_at.tzinfo is not None
        [row] = await outbox_rows(instance)
        assert set(row.payload) == {f.name for f in dataclasses.fields(RecordEvent)}

        system = await add_note(instance.db, "by the system", actor="nightly-import")
        assert (system.actor_type, system.actor_id, system.actor_name) == (
            "system",
            None,
            "nightly-import",
        )


async def test_events_exist_only_if_the_change_commits_and_are_checked(
    database_url: str, tmp_path: Path
) -> None:
    subscriber = Subscriber("watch")
    async with tally(database_url, tmp_path, subscriber) as instance:
        with pytest.raises(RuntimeError):
            async with instance.db.transaction() as session:
                enqueue_record_event(
                    session,
                    module="tally",
                    entity_type="Note",
                    entity_id=1,
                    action="deleted",
                    version=None,
                    actor="test",
                )
                raise RuntimeError("rolled back")
        async with instance.db.transaction() as session:
            with pytest.raises(ValueError, match="'archived' is not one of"):
                enqueue_record_event(
                    session,
                    module="tally",
                    entity_type="Note",
                    entity_id=1,
                    action="archived",
                    version=1,
                    actor="test",
                )
        assert await outbox_rows(instance) == []


async def test_without_subscribers_nothing_is_written(database_url: str, tmp_path: Path) -> None:
    async with tally(database_url, tmp_path) as instance:
        event = await add_note(instance.db, "nobody listens")
        assert event.action == "created"
        assert await outbox_rows(instance) == []


async def test_a_failing_subscriber_neither_blocks_nor_repeats_the_others(
    database_url: str, tmp_path: Path
) -> None:
    healthy, broken = Subscriber("healthy"), Subscriber("broken", failing=True)
    async with tally(database_url, tmp_path, broken, healthy) as instance:
        event = await add_note(instance.db, "one")
        assert await instance.outbox.run_once() == 2
        assert healthy.received == [event]
        state = {r.handler: r for r in await outbox_rows(instance)}
        assert state["healthy.on_record_changed"].status == DONE
        failed = state["broken.on_record_changed"]
        assert (failed.status, failed.attempts) == (PENDING, 1)
        assert failed.last_error == "RuntimeError: broken is down"

        broken.failing = False
        await time_passes(instance)
        assert await instance.outbox.drain() == 1
        assert healthy.received == [event]  # not delivered again
        assert broken.received == [event, event]  # at least once: retried after its failure
        assert await effects(instance.db) == {
            ("healthy", event.event_id): 1,
            ("broken", event.event_id): 1,
        }


async def test_one_bad_event_does_not_hold_back_the_subscribers_other_events(
    database_url: str, tmp_path: Path
) -> None:
    class Picky(Subscriber):
        @hookimpl
        async def on_record_changed(self, instance: Instance, event: RecordEvent) -> None:
            if event.entity_id == "2":
                self.received.append(event)
                raise ValueError("cannot read note 2")
            await super().on_record_changed(instance, event)

    picky = Picky("picky")
    async with tally(database_url, tmp_path, picky) as instance:
        events = [await add_note(instance.db, f"note {n}") for n in range(3)]
        assert await instance.outbox.run_once() == 3
        rows = await outbox_rows(instance)
        assert [r.status for r in rows] == [DONE, PENDING, DONE]
        assert rows[1].last_error == "ValueError: cannot read note 2"
        assert set(await effects(instance.db)) == {
            ("picky", events[0].event_id),
            ("picky", events[2].event_id),
        }
