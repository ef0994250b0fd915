"""Several handlers per outbox topic, each tracked on its own: fan-out at enqueue, unassigned
rows handed to the handlers of their topic, partial failures, delivery receipts, and the
command line per handler."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from core.cli import cli
from core.db import utcnow
from core.errors import NcenError
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import (
    DEAD,
    DONE,
    PENDING,
    UNASSIGNED,
    OutboxEvent,
    OutboxHandler,
    OutboxReceipt,
    OutboxRow,
    PartialFailure,
    enqueue,
    first_delivery,
    handler_table,
    purge_receipts,
)
from core.testing import make_config
from tests.test_outbox import Probe, instance_of, rows, time_passes


class Listener:
    """A module with one named handler of the shared topic `shared.changed`."""

    def __init__(self, name: str, *, fail_on: Sequence[str] = ()) -> None:
        self.info = ModuleInfo(name=name, version="1.0.0", label=f"{name} (test)")
        self.fail_on = set(fail_on)  # payload values whose rows fail
        self.delivered: list[OutboxEvent] = []

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        return [OutboxHandler(("shared.changed",), self.handle, name=f"{self.info.name}.listen")]

    async def handle(self, events: Sequence[OutboxEvent]) -> None:
        failed = {e.id: "refused" for e in events if e.payload["n"] in self.fail_on}
        self.delivered.extend(e for e in events if e.id not in failed)
        if failed:
            raise PartialFailure(failed)

    @property
    def values(self) -> list[str]:
        return [e.payload["n"] for e in self.delivered]


async def write(instance: Instance, *values: str, topic: str = "shared.changed") -> None:
    async with instance.db.transaction() as session:
        for value in values:
            enqueue(session, topic, {"n": value})


def test_handler_names_must_be_unique() -> None:
    async def handle(events: Sequence[OutboxEvent]) -> None: ...

    table = handler_table(
        [("a", OutboxHandler(("t",), handle)), ("b", OutboxHandler(("t",), handle, name="b.t"))]
    )
    assert table.keys_for("t") == ("a", "b.t")  # the plugin's name when the handler has none
    with pytest.raises(NcenError, match="'x' is used by both 'a' and 'b'"):
        handler_table(
            [("a", OutboxHandler(("t",), handle, "x")), ("b", OutboxHandler(("u",), handle, "x"))]
        )


async def test_each_handler_of_a_topic_gets_every_row_and_fails_alone(
    database_url: str, tmp_path: Path
) -> None:
    first, second = Listener("first"), Listener("second", fail_on=["b"])
    async with instance_of(database_url, tmp_path, first, second) as instance:
        await write(instance, "a", "b", "c")
        state = await rows(instance)
        assert sorted((r.payload["n"], r.handler) for r in state.values()) == [
            ("a", "first.listen"),
            ("a", "second.listen"),
            ("b", "first.listen"),
            ("b", "second.listen"),
            ("c", "first.listen"),
            ("c", "second.listen"),
        ]
        assert await instance.outbox.run_once() == 6
        assert first.values == ["a", "b", "c"]
        assert second.values == ["a", "c"]  # its failure on "b" holds back nothing else

        outcome = {(r.payload["n"], r.handler): r for r in (await rows(instance)).values()}
        assert outcome[("b", "second.listen")].status == PENDING
        assert outcome[("b", "second.listen")].last_error == "refused"
        assert {r.status for k, r in outcome.items() if k != ("b", "second.listen")} == {DONE}

        second.fail_on.clear()
        await time_passes(instance)
        assert await instance.outbox.drain() == 1  # only the failed row comes back
        assert first.values == ["a", "b", "c"]  # nothing repeated for the other handler
        assert second.values == ["a", "c", "b"]


async def test_rows_written_without_a_handler_go_to_every_handler_enabled_later(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path) as bare:
        await write(bare, "early")
        [orphan] = (await rows(bare)).values()
        assert (orphan.handler, orphan.status) == (UNASSIGNED, PENDING)

    first, second = Listener("first"), Listener("second")
    async with instance_of(database_url, tmp_path, first, second) as instance:
        assert await instance.outbox.drain() == 2
        assert (first.values, second.values) == (["early"], ["early"])
        state = await rows(instance)
        assert state[orphan.id].handler == "first.listen"  # the row itself goes to the first
        assert {(r.handler, r.status, r.created_at) for r in state.values()} == {
            ("first.listen", DONE, orphan.created_at),
            ("second.listen", DONE, orphan.created_at),
        }


async def test_events_nobody_subscribes_to_can_be_dropped(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path, Listener("first")) as instance:
        async with instance.db.transaction() as session:
            assert enqueue(session, "nobody.listens", {}, if_unhandled="drop") == []
            assert len(enqueue(session, "shared.changed", {}, if_unhandled="drop")) == 1
        assert [r.topic for r in (await rows(instance)).values()] == ["shared.changed"]


async def test_a_handlers_rows_wait_while_its_module_is_disabled(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path, Listener("first"), Listener("second")) as both:
        await write(both, "a")
    alone = Listener("first")
    async with instance_of(database_url, tmp_path, alone) as instance:
        assert await instance.outbox.drain() == 1
        assert alone.values == ["a"]
        waiting = [r for r in (await rows(instance)).values() if r.status == PENDING]
        assert [(r.handler, r.attempts) for r in waiting] == [("second.listen", 0)]
    back = Listener("second")
    async with instance_of(database_url, tmp_path, Listener("first"), back) as instance:
        assert await instance.outbox.drain() == 1
        assert back.values == ["a"]


async def test_first_delivery_makes_an_effect_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    async with instance_of(database_url, tmp_path, Probe("probe", ["p.ok"])) as instance:
        with pytest.raises(RuntimeError):
            async with instance.db.transaction() as session:
                assert await first_delivery(session, "watch", "e1")
                raise RuntimeError("the effect failed: the receipt goes with it")
        async with instance.db.transaction() as session:
            assert await first_delivery(session, "watch", "e1")
            assert await first_delivery(session, "other", "e1")  # receipts are per consumer
        async with instance.db.transaction() as session:
            assert not await first_delivery(session, "watch", "e1")
            assert await first_delivery(session, "watch", 2)

        async with instance.db.transaction() as session:
            await session.execute(
                update(OutboxReceipt)
                .where(OutboxReceipt.key == "e1")
                .values(received_at=utcnow() - dt.timedelta(days=100))
            )
        assert await purge_receipts(instance.db, dt.timedelta(days=90), chunk=1) == 2
        async with instance.db.session() as session:
            left = (await session.execute(select(OutboxReceipt.consumer, OutboxReceipt.key))).all()
        assert left == [("watch", "2")]


def _cli(data_dir: Path, *args: str) -> tuple[int, str]:
    env = {
        "NCEN_CONFIG": "",
        "NCEN_DATA_DIR": str(data_dir),
        "NCEN_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'ncen.db'}",
        "NCEN_MODULES": "",
    }
    result = CliRunner().invoke(cli, ["outbox", *args], env=env, obj={})
    return result.exit_code, result.output


def test_status_and_retry_per_handler(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    async def seed() -> None:
        first, second = Listener("first"), Listener("second", fail_on=["a"])
        config = make_config(
            f"sqlite+aiosqlite:///{data_dir / 'ncen.db'}", data_dir, ["first", "second"]
        )
        data_dir.mkdir()
        instance = Instance(config, extra_modules=[first, second])
        await instance.migrator.upgrade()
        try:
            await write(instance, "a")
            await instance.outbox.drain()
            async with instance.db.transaction() as session:
                await session.execute(
                    update(OutboxRow).where(OutboxRow.status == PENDING).values(status=DEAD)
                )
        finally:
            await instance.db.dispose()

    asyncio.run(seed())
    code, output = _cli(data_dir, "status")
    assert code == 0, output
    cells = [
        [c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line
    ]
    assert [c[:4] for c in cells] == [
        ["shared.changed", "first.listen", "done", "1"],
        ["shared.changed", "second.listen", "dead", "1"],
    ]
    assert _cli(data_dir, "retry", "--handler", "first.listen") == (
        0,
        "0 dead row(s) of handler first.listen moved back to pending\n",
    )
    assert _cli(data_dir, "retry", "--handler", "nobody") == (
        1,
        "Error: the outbox has no rows of handler 'nobody'\n",
    )
    assert _cli(data_dir, "retry", "--topic", "shared.changed", "--handler", "second.listen") == (
        0,
        "1 dead row(s) of topic shared.changed of handler second.listen moved back to pending\n",
    )
    code, output = _cli(data_dir, "status")
    assert "handler not registered: module not enabled" in output
