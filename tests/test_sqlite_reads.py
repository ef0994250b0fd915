"""Reads on a SQLite file go through the synchronous driver (core/sqlite_reads.py): they see
what the async engine committed, cannot write, and are seen by the engine's statement
listeners; an in-memory database keeps the async connection (another connection would be
another database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database
from core.sqlite_reads import InPlaceConnection


async def test_file_reads_are_in_place_read_only_and_counted(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    seen: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1), (2)"))
        event.listen(db.engine.sync_engine, "before_cursor_execute", before)
        async with db.reading() as connection:
            assert isinstance(connection, InPlaceConnection)
            assert await connection.scalar(text("SELECT sum(n) FROM t")) == 3
            rows = await connection.execute(text("SELECT n FROM t ORDER BY n"))
            assert [row.n for row in rows] == [1, 2]
            with pytest.raises(OperationalError, match="readonly"):
                await connection.execute(text("INSERT INTO t VALUES (3)"))
        assert seen == [
            "SELECT sum(n) FROM t",
            "SELECT n FROM t ORDER BY n",
            "INSERT INTO t VALUES (3)",
        ]
        async with db.engine.begin() as conn:  # a later commit is seen by the next read
            await conn.execute(text("INSERT INTO t VALUES (4)"))
        async with db.reading() as connection:
            assert await connection.scalar(text("SELECT sum(n) FROM t")) == 7
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)
        await db.dispose()


async def test_an_in_memory_database_keeps_the_async_connection() -> None:
    db = Database("sqlite+aiosqlite://")
    try:
        async with db.reading() as connection:
            assert isinstance(connection, AsyncConnection)
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await db.dispose()
