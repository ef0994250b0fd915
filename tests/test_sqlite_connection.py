"""The SQLite connection runs what cannot wait in place, and what may wait on its own thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from core.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'conn.db'}")

    @event.listens_for(database.engine.sync_engine, "connect")
    def add_thread_function(dbapi_connection: Any, _record: Any) -> None:
        # SELECT ncen_thread() names the thread that runs the statement.
        dbapi_connection.create_function("ncen_thread", 0, threading.get_ident)

    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield database
    await database.dispose()


async def test_reads_and_statements_under_the_write_lock_run_on_the_loop_thread(
    db: Database,
) -> None:
    here = threading.get_ident()
    async with db.session() as session:
        assert await session.scalar(text("SELECT ncen_thread()")) == here
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert await session.scalar(text("SELECT ncen_thread()")) == here
    async with db.session() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 1


async def test_waiting_for_another_process_lock_does_not_block_the_event_loop(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "conn.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:

        async def write() -> None:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t (n) VALUES (2)"))

        writing = asyncio.create_task(write())
        # Had BEGIN IMMEDIATE waited on this thread, the loop would be stuck in SQLite's busy
        # handler until the busy timeout, and the write would have failed by now.
        await asyncio.sleep(0.2)
        assert not writing.done()
    finally:
        other.rollback()
        other.close()
    await asyncio.wait_for(writing, 10)
    async with db.session() as session:
        assert await session.scalar(text("SELECT n FROM t")) == 2


async def test_a_failed_statement_leaves_the_connection_usable(db: Database) -> None:
    with pytest.raises(Exception, match="no such table"):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO missing (n) VALUES (1)"))
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (n) VALUES (3)"))
    async with db.session() as session:
        assert (await session.scalars(text("SELECT n FROM t"))).all() == [3]
