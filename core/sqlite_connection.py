"""The SQLite driver connection: aiosqlite, with the calls that cannot wait run in place.

aiosqlite sends every call (cursor, execute, fetch, close of a cursor) to the connection's own
thread and back: about four thread hand-offs per statement, which cost more CPU than the
statements themselves (a `createSeizure` spent ~40% of its CPU on them). A call that can never
wait for SQLite's file lock takes microseconds, so it runs on the event loop's thread:

- reads (`SELECT`, a deferred `BEGIN`: in WAL mode readers never wait for the writer),
- every statement of a transaction that holds the write lock (after `BEGIN IMMEDIATE`),
- fetching rows, opening and closing cursors, rollback (no fsync).

What may wait still runs on the connection's thread, so the event loop never sleeps in SQLite's
busy handler nor in an fsync: `BEGIN IMMEDIATE` (another process may hold the lock), `COMMIT`
(fsync with synchronous=FULL), closing, and writes or `PRAGMA`s outside a locked transaction
(migrations, DDL). Calls on one connection never overlap (the pool lends it to one session at
a time, and every call is awaited), so sharing it between two threads is safe.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

from core.internals import daemon_thread

_WRITE_LOCKING = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_ENDING = ("COMMIT", "END", "ROLLBACK")
_IN_PLACE_CONNECTION_CALLS = frozenset({"cursor", "rollback", "create_function"})


def _head(sql: str) -> str:
    return " ".join(sql[:40].split()).upper()


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs the calls which cannot wait on the caller's thread."""

    _write_locked = False  # inside a transaction that holds SQLite's write lock

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        head = _head(args[0]) if args and isinstance(args[0], str) else None
        if self._in_place(fn, head):
            result = fn(*args, **kwargs)
        else:
            result = await super()._execute(fn, *args, **kwargs)
        self._track(fn, head)
        return result

    def _in_place(self, fn: Callable[..., Any], head: str | None) -> bool:
        owner = getattr(fn, "__self__", None)
        name = getattr(fn, "__name__", "")
        if isinstance(owner, sqlite3.Cursor):
            if head is None:
                return True  # fetchone/fetchmany/fetchall/close: rows already produced
            if self._write_locked:
                return not head.startswith(_ENDING)
            return head.startswith("SELECT") or head == "BEGIN"
        return owner is self._connection and name in _IN_PLACE_CONNECTION_CALLS

    def _track(self, fn: Callable[..., Any], head: str | None) -> None:
        if head is not None:
            if head.startswith(_WRITE_LOCKING):
                self._write_locked = True
            elif head.startswith(_ENDING) and not head.startswith("ROLLBACK TO"):
                self._write_locked = False
        elif getattr(fn, "__name__", "") in ("commit", "rollback"):
            self._write_locked = False


def connect(database: str, **kwargs: Any) -> LoopConnection:
    """Like `aiosqlite.connect` (await it), for a connection used from two threads in turn."""
    connection = LoopConnection(
        partial(sqlite3.connect, database, **{**kwargs, "check_same_thread": False}),
        iter_chunk_size=64,
    )
    daemon_thread(connection)  # as SQLAlchemy does: never keep the process alive
    return connection
