"""Signed checkpoints: what the hash chain alone misses — a truncated tail, a recomputed
chain — is found against them, by `ncen audit verify` and by the monitor behind /readyz."""

from __future__ import annotations

import asyncio
import json
import stat

from sqlalchemy import text

from core import audit
from core.audit.checkpoints import CHECKPOINT_FILE, Checkpoint, store_of
from core.audit.models import AuditEvent
from core.audit.monitor import ChainMonitor
from core.audit.verify import verify_chain
from core.audit.writer import event_hash
from core.config import AuditSettings
from core.instance_key import KEY_FILE
from tests.test_audit import run_cli


async def tamper(app, sql: str) -> None:
    """What a DBA with full rights could do: get past the triggers, then change rows."""
    async with app.instance.db.transaction() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("ALTER TABLE core_audit_event DISABLE TRIGGER USER"))
            await session.execute(text(sql))
            await session.execute(text("ALTER TABLE core_audit_event ENABLE TRIGGER USER"))
        else:
            for trigger in ("core_audit_event_no_update", "core_audit_event_no_delete"):
                await session.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            await session.execute(text(sql))


async def append(app, count: int) -> None:
    async with app.instance.db.transaction() as session:
        for i in range(count):
            await audit.record(session, actor="tests", action="test.append", entity_id=i)


async def recompute_from(app, seq: int) -> None:
    """The attack the chain alone cannot see: change event `seq`, then give it and every
    later event a hash that fits (what a DBA with the rights to drop triggers can do)."""
    async with app.instance.db.session() as session:
        rows = (
            await session.scalars(
                text("SELECT seq FROM core_audit_event WHERE seq >= :s ORDER BY seq").bindparams(
                    s=seq
                )
            )
        ).all()
    prev = None
    for number in rows:
        async with app.instance.db.session() as session:
            row = await session.get(AuditEvent, number)
            if prev is None:
                prev = row.prev_hash
                row.actor_name = "someone else"
            row.prev_hash = prev
            new_hash = event_hash(row)
        await tamper(
            app,
            f"UPDATE core_audit_event SET actor_name = '{row.actor_name}', "
            f"prev_hash = '{prev}', hash = '{new_hash}' WHERE seq = {number}",
        )
        prev = new_hash


async def test_a_truncated_tail_is_found_against_the_checkpoints(make_app) -> None:
    app = await make_app(modules=[])
    store = store_of(app.instance)
    await append(app, 5)
    checkpoint = await store.make()
    assert checkpoint.seq == 5 and checkpoint.signed_by(store.public_key)
    assert (await store.make()) == checkpoint  # the head has not moved: the same one
    report = await verify_chain(app.instance.db, await store.stored(), [store.public_key])
    assert report.ok and report.checkpoints == 1 and report.checked == 5

    await tamper(app, "DELETE FROM core_audit_event WHERE seq > 3")
    assert (await verify_chain(app.instance.db)).ok  # the chain alone cannot tell
    report = await verify_chain(app.instance.db, await store.stored(), [store.public_key])
    assert not report.ok
    assert "ends at event #3" in report.reason and "removed" in report.reason


async def test_a_recomputed_chain_is_found_even_without_the_checkpoint_table(make_app) -> None:
    app = await make_app(modules=[])
    store = store_of(app.instance)
    await append(app, 4)
    await store.make()
    await append(app, 2)
    await recompute_from(app, 2)
    assert (await verify_chain(app.instance.db)).ok  # every link and hash fits again
    # Deleting the checkpoints from the database does not help: the data directory keeps them.
    async with app.instance.db.transaction() as session:
        await session.execute(text("DELETE FROM core_audit_checkpoint"))
    report = await verify_chain(app.instance.db, await store.stored(), [store.public_key])
    assert not report.ok and report.broken_at == 4
    assert "recomputed" in report.reason


async def test_checkpoints_not_signed_with_the_key_are_findings(make_app) -> None:
    app = await make_app(modules=[])
    store = store_of(app.instance)
    await append(app, 2)
    real = await store.make()
    forged = Checkpoint(1, "0" * 64, real.created_at, real.key_id, "00" * 64)
    report = await verify_chain(app.instance.db, [real, forged], [store.public_key])
    assert not report.ok and "invalid signature" in report.reason


async def test_key_and_checkpoint_file_are_private(make_app) -> None:
    app = await make_app(modules=[])
    await store_of(app.instance).make()
    for name in (KEY_FILE, CHECKPOINT_FILE):
        mode = stat.S_IMODE((app.instance.config.data_dir / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


async def test_the_monitor_checkpoints_and_readyz_reports_a_broken_chain(make_app) -> None:
    app = await make_app(modules=[])
    monitor = ChainMonitor(app.instance, store_of(app.instance))
    await append(app, 3)
    assert await monitor.check_once() == "ok"
    assert (await store_of(app.instance).latest()).seq == 3
    ready = await app.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["audit"] == "ok"

    await append(app, 2)
    assert await monitor.check_once() == "ok"  # walks only what was added
    await tamper(app, "DELETE FROM core_audit_event WHERE seq > 2")
    status = await monitor.check_once()
    assert status.startswith("broken:") and "removed" in status
    ready = await app.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["audit"] == status


async def test_a_serving_instance_runs_the_monitor(make_app) -> None:
    app = await make_app(modules=[], audit=AuditSettings(checkpoint_minutes=60))
    for _ in range(500):  # 10 s at most, for a loaded machine
        if (await app.client.get("/readyz")).json()["checks"]["audit"] == "ok":
            break
        await asyncio.sleep(0.02)
    assert (await app.client.get("/readyz")).json()["checks"]["audit"] == "ok"
    assert (await store_of(app.instance).latest()) is not None


async def test_cli_checkpoint_kept_elsewhere_still_finds_a_truncation(make_app, tmp_path) -> None:
    app = await make_app(modules=[])
    await append(app, 4)
    result = await run_cli(app, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    kept = tmp_path / "kept.json"
    kept.write_text(result.output)
    exported = json.loads(result.output)
    assert exported["seq"] == 4 and exported["public_key"]

    result = await run_cli(app, "audit", "verify", "--checkpoint", str(kept))
    assert result.exit_code == 0, result.output
    assert "intact: 4 events" in result.output and "checkpoints agree" in result.output

    # Whoever truncates the log and clears every copy within reach of the server...
    await tamper(app, "DELETE FROM core_audit_event WHERE seq > 1")
    async with app.instance.db.transaction() as session:
        await session.execute(text("DELETE FROM core_audit_checkpoint"))
    (app.instance.config.data_dir / CHECKPOINT_FILE).unlink()
    # ...is still caught by the copy kept elsewhere.
    result = await run_cli(app, "audit", "verify", "--checkpoint", str(kept))
    assert result.exit_code == 1
    assert "ends at event #1" in result.output
