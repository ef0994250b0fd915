"""Reads on SQLite through SQLAlchemy's synchronous driver, on the event loop's thread.

Reads on SQLite already run on the event loop's thread (`core/sqlite_connection.py`: in WAL
mode a reader never waits for the writer), but each call still goes through the asyncio
adapter: a greenlet switch and an aiosqlite coroutine per driver call (cursor, `BEGIN`,
execute, fetch, close, rollback). A page of 10 seizures spent ~0.15 ms of CPU there; the same
statement through the synchronous `sqlite3` driver costs ~0.06 ms. `Database.reading()` hands
out these connections on SQLite (file databases; an in-memory one is another database per
connection), wrapped so that callers await them as they await an `AsyncConnection`.

The connections are read-only (`PRAGMA query_only`), in their own pool, and the statements
they run are announced to the main engine's `before_cursor_execute` and
`after_cursor_execute` listeners too, so whoever watches the instance's statements (the tests
counting them, echo) sees these as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.sql.base import Executable


def file_database(url: str) -> bool:
    """Whether a SQLite URL names a file (not an in-memory database)."""
    database = make_url(url).database
    return bool(database) and database != ":memory:" and not str(database).startswith("file::")


class InPlaceConnection:
    """A synchronous connection awaited as an `AsyncConnection` is (`execute`, `scalar`):
    nothing waits, so the awaits return at once."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Any = None) -> Any:
        return self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return self._connection.scalar(statement, parameters)


class SqliteReads:
    """The synchronous read-only engine beside an instance's async engine."""

    def __init__(self, url: str, main: Engine, *, busy_timeout_ms: int, echo: bool = False):
        sync_url = make_url(url).set(drivername="sqlite")
        self.engine = create_engine(sync_url, echo=echo, connect_args={"check_same_thread": False})

        @event.listens_for(self.engine, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # BEGIN is ours, as on the main engine
            cursor = dbapi_connection.cursor()
            # WAL, as the main engine sets it: a reader then never waits for the writer (it
            # runs on the event loop's thread).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()

        @event.listens_for(self.engine, "begin")
        def on_begin(conn: Any) -> None:
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute("BEGIN")
            finally:
                cursor.close()

        @event.listens_for(self.engine, "before_cursor_execute")
        def before(*args: Any) -> None:
            main.dispatch.before_cursor_execute(*args)

        @event.listens_for(self.engine, "after_cursor_execute")
        def after(*args: Any) -> None:
            main.dispatch.after_cursor_execute(*args)

    @contextlib.contextmanager
    def connect(self) -> Iterator[InPlaceConnection]:
        with self.engine.connect() as connection:
            yield InPlaceConnection(connection)

    def dispose(self) -> None:
        self.engine.dispose()
