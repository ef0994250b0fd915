"""Database access: one declarative base, engine set-up per backend, read and write sessions.

SQLite is the embedded default (WAL, synchronous=FULL, foreign keys, busy timeout, and
BEGIN IMMEDIATE for write transactions so that concurrent writers wait instead of failing on
lock upgrade), through aiosqlite with the calls that cannot wait for a lock run on the event
loop's thread (core/sqlite_connection.py). SQLite has one writer at a time, so the write
transactions of one process also queue on an asyncio lock before BEGIN: they wait their turn
in order instead of polling the file lock through the busy handler, whose back-off sleeps (up
to 100 ms a try) after the lock is free. PostgreSQL is the scale-out engine shared by several stateless app processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import JSON, CursorResult, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from core import column_limits, sqlite_connection  # noqa: F401  (registers its flush check)
from core.sqlite_reads import InPlaceConnection, SqliteReads, file_database

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")

SQLITE_BUSY_TIMEOUT_MS = 10_000

# Column info tag for personal data. Everything that leaves the instance is filtered on it,
# in one place; free-text columns that may hold names are tagged too ("possibly nominal").
NOMINAL: dict[str, bool] = {"nominal": True}


def is_nominal(column: Any) -> bool:
    return bool(column.info.get("nominal"))


# Column info tag for free text that may hold names (a narrative): nominal as stored, but a
# validator may record a checked non-nominal version of it, which is what sharing sends
# (core/sharing). Free text without this tag never leaves, even checked (internal notes).
FREE_TEXT: dict[str, bool] = {"nominal": True, "free_text": True}


def is_free_text(column: Any) -> bool:
    return bool(column.info.get("free_text"))


# Column info tag for values the module computes from others (search keys, references): they
# are not entered, so they are never named as changed fields of a record.
DERIVED: dict[str, bool] = {"derived": True}


def is_derived(column: Any) -> bool:
    return bool(column.info.get("derived"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite would return naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC timestamp is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours (and DDL transactional).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("ncen_write", False)
        # Straight to the driver's cursor: through `exec_driver_sql`, SQLAlchemy builds an
        # execution context and a result for a statement that returns nothing, about a tenth
        # of the CPU of a one-statement read (a page of 10 seizures).
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        finally:
            cursor.close()


class Database:
    """The engine of one instance and its two kinds of session."""

    def __init__(
        self, url: str, *, echo: bool = False, session_info: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            options["async_creator"] = self._connect_sqlite
        else:
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine = create_async_engine(url, **options)
        # SQLite reads through the synchronous driver (core/sqlite_reads.py).
        self._sqlite_reads: SqliteReads | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            if file_database(url):
                self._sqlite_reads = SqliteReads(
                    url,
                    self.engine.sync_engine,
                    busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS,
                    echo=echo,
                )
        write_engine = self.engine.execution_options(ncen_write=True)
        # Copied into every session's `info` when it opens (the instance puts itself there, the
        # outbox relay its handler table, so code that only holds a session can reach them).
        self.session_info: dict[str, Any] = dict(session_info or {})
        self._reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = async_sessionmaker(write_engine, expire_on_commit=False)
        self._commit_listeners: list[Callable[[AsyncSession], None]] = []
        # SQLite: one write transaction of this process at a time (other processes: busy timeout).
        # One lock per event loop: a lock that once waited is bound to its loop.
        self._write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    async def _connect_sqlite(self) -> Any:
        """aiosqlite with the calls that cannot wait run in place (core/sqlite_connection.py),
        opened with the arguments the dialect reads from the URL."""
        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        return await sqlite_connection.connect(*args, **kwargs)

    def add_commit_listener(self, listener: Callable[[AsyncSession], None]) -> None:
        """Call `listener(session)` after each successful write transaction (e.g. wake the relay)."""
        self._commit_listeners.append(listener)

    # `_close_in_place`: reads on SQLite close their session or connection by awaiting
    # `close()` directly. SQLAlchemy's `async with` runs the close in a task of its own,
    # shielded from cancellation: three turns of the event loop and a task per read, which
    # under 50 connections cost about a quarter of the everyday mix's CPU (issue 14: 1.1 ->
    # 0.8-0.95 ms a request). On SQLite closing never waits (the rollback runs in place,
    # core/sqlite_connection.py), so no cancellation can interrupt it halfway. On PostgreSQL
    # (a network round trip) the shielded close stays.

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session; nothing it does is committed."""
        if not self.is_sqlite:
            async with self._reader() as session:
                session.info.update(self.session_info)
                yield session
            return
        session = self._reader()
        try:
            session.info.update(self.session_info)
            yield session
        finally:
            await session.close()  # see `_close_in_place`

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection | InPlaceConnection]:
        """A read-only connection in its own transaction, without an ORM session: for reads
        made of Core statements (list pages), which would otherwise pay for the session's
        set-up and tear-down (about a third of a small page's database time)."""
        if self._sqlite_reads is not None:
            with self._sqlite_reads.connect() as in_place:
                yield in_place
            return
        if not self.is_sqlite:
            async with self.engine.connect() as connection:
                yield connection
            return
        connection = await self.engine.connect()
        try:
            yield connection
        finally:
            await connection.close()  # see `_close_in_place`

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits on success, rolls back on any exception."""
        async with self._write_turn(), self._writer() as session:
            session.info.update(self.session_info)
            async with session.begin():
                yield session
        for listener in self._commit_listeners:
            listener(session)

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait for this process's previous write transaction to end (in arrival
        order), as long as the busy timeout would have waited for another process's."""
        if not self.is_sqlite:
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        if lock.locked():
            try:
                async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
                    await lock.acquire()
            except TimeoutError:
                raise TimeoutError(
                    f"no write turn within {SQLITE_BUSY_TIMEOUT_MS / 1000:g} s: another write "
                    "transaction of this process holds the database (one opened inside another "
                    "waits for itself)"
                ) from None
        else:
            await lock.acquire()
        try:
            yield
        finally:
            lock.release()

    async def dispose(self) -> None:
        if self._sqlite_reads is not None:
            self._sqlite_reads.dispose()
        await self.engine.dispose()


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE matched (its result is a `CursorResult`, typed as `Result`)."""
    return cast(CursorResult[Any], result).rowcount or 0
