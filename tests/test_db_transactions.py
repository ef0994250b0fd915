"""Write transactions of one process on SQLite take turns on an in-process lock, in arrival
order, instead of polling SQLite's file lock; PostgreSQL transactions run side by side."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.outbox import OutboxRow, enqueue

WRITERS = 12


async def _database(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(OutboxRow.__table__.create)
    return db


async def test_concurrent_sqlite_writers_take_turns_in_arrival_order(tmp_path: Path) -> None:
    db = await _database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    inside = 0
    overlapped = False

    async def writer(n: int) -> int:
        nonlocal inside, overlapped
        async with db.transaction() as session:
            inside += 1
            overlapped = overlapped or inside > 1
            # Read, yield to the other writers, then write what was read: a lost update or
            # a "database is locked" error would show if two transactions overlapped.
            seen = await session.scalar(select(func.count()).select_from(OutboxRow))
            await asyncio.sleep(0)
            enqueue(session, "t.turn", {"writer": n, "seen": seen})
            inside -= 1
        return n

    try:
        assert await asyncio.gather(*(writer(n) for n in range(WRITERS))) == list(range(WRITERS))
        async with db.session() as session:
            rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
        assert not overlapped
        assert [(r.payload["writer"], r.payload["seen"]) for r in rows] == [
            (n, n) for n in range(WRITERS)
        ]
    finally:
        await db.dispose()


async def test_a_failed_transaction_gives_its_turn_back(tmp_path: Path) -> None:
    db = await _database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                enqueue(session, "t.rolled_back", {})
                raise RuntimeError("rolled back")
        async with asyncio.timeout(5), db.transaction() as session:
            enqueue(session, "t.next", {})
        async with db.session() as session:
            topics = (await session.scalars(select(OutboxRow.topic))).all()
        assert topics == ["t.next"]
    finally:
        await db.dispose()


def test_a_database_serves_successive_event_loops(tmp_path: Path) -> None:
    """CLI commands and tests run one `asyncio.run` after another on the same instance."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}"
    db = asyncio.run(_database(url))

    async def contended() -> None:
        async def one() -> None:
            async with db.transaction() as session:
                enqueue(session, "t.loop", {})
                await asyncio.sleep(0)

        await asyncio.gather(one(), one())
        await db.engine.dispose()

    asyncio.run(contended())
    asyncio.run(contended())


async def test_sqlite_reads_close_without_a_task_of_their_own(tmp_path: Path, monkeypatch) -> None:
    """A read session or connection on SQLite is closed in place (SQLAlchemy's `async with`
    would close it in a shielded task: three turns of the event loop per read), and its
    connection goes back to the pool, also when the read fails."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    tasks: list[object] = []
    original = asyncio.create_task

    def spy(coro, **kwargs):  # type: ignore[no-untyped-def]
        tasks.append(coro)
        return original(coro, **kwargs)

    try:
        async with db.reading() as connection:
            await connection.execute(select(1))  # opens the pool's connection first
        monkeypatch.setattr(asyncio, "create_task", spy)
        async with db.reading() as connection:
            assert (await connection.execute(select(1))).scalar() == 1
        async with db.session() as session:
            assert await session.scalar(select(func.count()).select_from(select(1).subquery())) == 1
        with pytest.raises(ZeroDivisionError):
            async with db.reading() as connection:
                await connection.execute(select(1))
                raise ZeroDivisionError
        assert tasks == []
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        monkeypatch.undo()
        await db.dispose()
