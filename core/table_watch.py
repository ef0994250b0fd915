"""Knowing, without a database round trip, that some tables changed — in this process or in any
other one over the same database — so that in-process caches of what they hold (credentials,
code lists) can be served until the moment they are stale, and not a moment longer.

A `Watch` names tables. Any write to them through a session (ORM unit of work or an
insert/update/delete statement), except statements marked `quiet` and changes declared harmless,
marks the transaction; when it commits, the watch's `generation` goes up in this process, and the
other processes are told:

- SQLite: a small *generation file* next to the database is replaced. `check()` `stat`s it (a
  microsecond) and goes up when it changed: a CLI command on the same database (`ncen user
  deactivate`, `ncen codelists import`) reaches the running server at its next request.
- PostgreSQL: `pg_notify` in the same transaction (delivered only if it commits); each serving
  process LISTENs on one connection of its own (`listen`). While that connection is down,
  `check()` answers None: the caches are bypassed, so a lost notification can never leave stale
  data in use.

A cache keeps the generation it was filled at and empties itself when `check()` answers another
(see `core/auth/credential_cache.py`). A transaction that rolls back tells nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

if TYPE_CHECKING:
    from core.db import Database

log = logging.getLogger("ncen.table_watch")

WATCHES_KEY = "core.table_watches"  # in Database.session_info: every session sees them
_CHANGED = "core.table_watch.changed"  # in a session's info: names of the watches it touched
# Execution option of statements that change nothing a watch's caches hold (e.g. "last used").
QUIET = "ncen_quiet"
CHANNEL = "ncen_tables_changed"
SENDER_KEY = "core.table_watch.sender"  # in Database.session_info: names it in notifications


class Watch:
    """Tables whose changes invalidate a cache; `harmless_inserts` are tables whose new rows
    change nothing cached, `harmless_columns` columns whose updates change nothing cached."""

    def __init__(
        self,
        name: str,
        tables: Iterable[str],
        generation_file: Path | None,
        *,
        harmless_inserts: Iterable[str] = (),
        harmless_columns: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.tables = frozenset(tables)
        self.harmless_inserts = frozenset(harmless_inserts)
        self.harmless_columns = frozenset(harmless_columns)
        self.generation_file = generation_file
        self.generation = 0
        self._seen = self._signature()
        self.hub: ListenHub | None = None  # PostgreSQL only

    def check(self) -> int | None:
        """The current generation, or None when changes by other processes could go unseen
        now (PostgreSQL without its listening connection): do not serve from a cache then."""
        if self.hub is not None and not self.hub.listening:
            return None
        if self.generation_file is not None:
            signature = self._signature()
            if signature != self._seen:
                self._seen = signature
                self.generation += 1
        return self.generation

    def changed(self) -> None:
        """Something changed: caches filled before are stale."""
        self.generation += 1

    def _signature(self) -> tuple[int, int, int] | None:
        if self.generation_file is None:
            return None
        try:
            found = os.stat(self.generation_file)
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def committed_here(self) -> None:
        """A transaction of this process that changed the tables has just committed."""
        self.changed()
        if self.generation_file is None:
            return
        # A new file each time (a new inode): no reader misses a change within one tick of the
        # file system's clock.
        temporary = self.generation_file.with_name(f"{self.generation_file.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(f"{time.time_ns()} {os.getpid()}\n")
            os.replace(temporary, self.generation_file)
        except OSError as exc:  # other processes see the change when their caches expire
            log.warning("could not write %s: %r", self.generation_file, exc)
        self._seen = self._signature()

    # --- what counts as a change ---------------------------------------------------------------

    def touched_by_statement(self, state: ORMExecuteState) -> bool:
        if not (state.is_insert or state.is_update or state.is_delete):
            return False
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name not in self.tables or state.execution_options.get(QUIET):
            return False
        return not (state.is_insert and name in self.harmless_inserts)

    def touched_by_flush(self, session: OrmSession) -> bool:
        for obj in session.new:
            name = getattr(obj, "__tablename__", None)
            if name in self.tables and name not in self.harmless_inserts:
                return True
        for obj in session.deleted:
            if getattr(obj, "__tablename__", None) in self.tables:
                return True
        for obj in session.dirty:
            if getattr(obj, "__tablename__", None) not in self.tables:
                continue
            changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
            if changed - self.harmless_columns:
                return True
        return False


class ListenHub:
    """One LISTEN connection per process for every watch of a PostgreSQL database."""

    def __init__(self, dsn: str, watches: dict[str, Watch], sender: str) -> None:
        self.dsn = dsn
        self.sender = sender
        self.watches = watches
        self.listening = False
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None
        self._wanted = False

    async def start(self) -> None:
        self._wanted = True
        for watch in self.watches.values():
            watch.hub = self
        await self._connect()
        if not self.listening:
            self._task = asyncio.create_task(self._reconnect())

    async def _connect(self) -> None:
        import asyncpg

        try:
            connection = await asyncpg.connect(self.dsn)
            await connection.add_listener(CHANNEL, self._notified)
            connection.add_termination_listener(self._lost)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("in-process caches off: cannot listen for changes: %r", exc)
            return
        self._connection = connection
        for watch in self.watches.values():  # whatever happened while not listening
            watch.changed()
        self.listening = True

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        name, _, sender = payload.partition(" ")
        watch = self.watches.get(name)
        # Commits through this database object were counted when they committed.
        if watch is not None and sender != self.sender:
            watch.changed()

    def _lost(self, *_args: Any) -> None:
        self.listening = False
        self._connection = None
        if self._wanted and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.5
        while self._wanted and not self.listening:
            await asyncio.sleep(delay)
            await self._connect()
            delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        self._wanted = False
        self.listening = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


def watch(db: Database, name: str, tables: Iterable[str], **harmless: Iterable[str]) -> Watch:
    """The watch `name` of `db`, made on first call (every process that writes to `db` must
    make it too, so that its writes are told: core makes them when an instance is built)."""
    watches: dict[str, Watch] = db.session_info.setdefault(WATCHES_KEY, {})
    db.session_info.setdefault(SENDER_KEY, f"{os.getpid()}.{time.time_ns()}.{id(db)}")
    if name not in watches:
        watches[name] = Watch(name, tables, _generation_file(db, name), **harmless)
    return watches[name]


def _generation_file(db: Database, name: str) -> Path | None:
    if not db.is_sqlite:
        return None
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}-{name}-generation")


async def start_listening(db: Database) -> ListenHub | None:
    """PostgreSQL: listen for the changes other processes make (serving processes only)."""
    watches: dict[str, Watch] = db.session_info.get(WATCHES_KEY, {})
    if db.is_sqlite or not watches:
        return None
    dsn = db.engine.url.set(drivername="postgresql").render_as_string(False)
    hub = ListenHub(dsn, watches, db.session_info[SENDER_KEY])
    await hub.start()
    return hub


# --- noticing changes: session events (every session of every instance) ----------------------


def _watches(session: OrmSession) -> dict[str, Watch] | None:
    return session.info.get(WATCHES_KEY)


def _mark(session: OrmSession, name: str) -> None:
    session.info.setdefault(_CHANGED, set()).add(name)


@event.listens_for(OrmSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    watches = _watches(state.session)
    if watches and (state.is_insert or state.is_update or state.is_delete):
        for name, found in watches.items():
            if found.touched_by_statement(state):
                _mark(state.session, name)


@event.listens_for(OrmSession, "after_flush")
def _on_flush(session: OrmSession, _context: Any) -> None:
    watches = _watches(session)
    if not watches:
        return
    marked = session.info.get(_CHANGED, set())
    for name, found in watches.items():
        if name not in marked and found.touched_by_flush(session):
            _mark(session, name)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    if not _watches(session):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit would flush after this hook: see every change now
    names = session.info.get(_CHANGED)
    if names and session.get_bind().dialect.name == "postgresql":
        # Delivered to the listeners only if (and when) the transaction commits.
        for name in sorted(names):
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": f"{name} {session.info[SENDER_KEY]}"},
            )


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    names = session.info.pop(_CHANGED, None)
    watches = _watches(session)
    if names and watches:
        for name in names:
            watches[name].committed_here()


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_CHANGED, None)
