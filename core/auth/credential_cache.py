"""Verified credentials kept in memory for a short time, so that a request's bearer token is
checked without a database round trip, while logout, revocation, role and permission changes,
password changes and deactivation still take effect at once, in every process.

How it stays correct:
- Only *valid* credentials are cached (an unknown or refused token always goes to the
  database), keyed by the token's hash, for at most `auth.credential_cache_seconds`.
  Expiry and idle timeout are checked again on every hit, from the cached times.
- Any write that can change what a credential may do — a row of `core_user`, `core_session`,
  `core_api_token`, `core_user_role`, `core_role_permission`, `core_role`, `core_permission`
  inserted, changed or deleted through a session, except the statements marked as only
  recording use (`TOUCH`) — marks its transaction; when it commits, the whole cache of this
  process is emptied and the other processes are told:
  - SQLite: a small *generation file* next to the database is replaced; every request
    `stat`s it (a microsecond) and empties its cache when it changed. A CLI command on the
    same database (`ncen user deactivate`) therefore reaches the running server at once.
  - PostgreSQL: `pg_notify` in the same transaction (delivered only if it commits); each
    serving process LISTENs on a connection of its own. While that connection is down, the
    cache is bypassed (every request goes to the database), so a lost notification cannot
    leave a revoked credential usable.
Auth changes are rare next to requests, so emptying everything is simpler than tracking which
credential a change touches, and costs one database read per live credential afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from core.auth.principal import UserPrincipal

if TYPE_CHECKING:
    from core.db import Database

log = logging.getLogger("ncen.auth.cache")

CACHE_KEY = "core.auth.credential_cache"  # in Database.session_info, so every session has it
_CHANGED = "core.auth.credentials_changed"  # in a session's info while its transaction runs
# Execution option of statements that only record that a credential was used.
TOUCH = "ncen_auth_touch"
CHANNEL = "ncen_auth_changed"
MAX_ENTRIES = 10_000

AUTH_TABLES = frozenset(
    {
        "core_user",
        "core_session",
        "core_api_token",
        "core_user_role",
        "core_role_permission",
        "core_role",
        "core_permission",
    }
)
# A new session or token changes nothing that is cached (its hash is not in the cache yet).
_HARMLESS_INSERTS = frozenset({"core_session", "core_api_token"})
# Columns whose change leaves every principal as it was.
_HARMLESS_COLUMNS = frozenset({"last_seen_at", "last_used_at", "last_login_at", "password_hash"})


@dataclass
class Entry:
    """A verified credential: the principal and the times that are checked on every hit."""

    principal: UserPrincipal
    kind: Literal["session", "token"]
    row_id: int
    expires_at: dt.datetime
    last_used: dt.datetime | None  # session last_seen_at or token last_used_at
    stored_at: float  # time.monotonic()


class CredentialCache:
    """The cache of one instance (kept in its database's `session_info`)."""

    def __init__(self, ttl_seconds: float, generation_file: Path | None) -> None:
        self.ttl = ttl_seconds
        self.generation_file = generation_file
        self._entries: dict[str, Entry] = {}
        self._seen: tuple[int, int, int] | None = self._signature()
        # PostgreSQL: True only while this process listens for changes (set by `listen`).
        self.needs_listener = False
        self.listening = False
        self._listener: Any = None
        self._listener_task: asyncio.Task[None] | None = None
        self._dsn: str | None = None
        self.invalidations = 0  # how many times the cache was emptied (for tests and stats)

    # --- reading -------------------------------------------------------------------------

    def usable(self) -> bool:
        """Whether cached entries may be served now (and empties the cache if another process
        changed credentials since the last look)."""
        if self.ttl <= 0:
            return False
        if self.needs_listener and not self.listening:
            return False
        if self.generation_file is not None:
            signature = self._signature()
            if signature != self._seen:
                self._seen = signature
                self.clear()
        return True

    def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry.stored_at >= self.ttl:
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, entry: Entry, generation: int) -> None:
        """Keep `entry`, read from the database when `invalidations` was `generation`: if the
        cache was emptied since, the read may predate the change and is not kept."""
        if generation != self.invalidations:
            return
        if len(self._entries) >= MAX_ENTRIES:
            # Oldest first (dicts keep insertion order): a bounded cache, not an LRU.
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = entry

    def clear(self) -> None:
        self._entries.clear()
        self.invalidations += 1

    def __len__(self) -> int:
        return len(self._entries)

    # --- telling other processes -----------------------------------------------------------

    def _signature(self) -> tuple[int, int, int] | None:
        if self.generation_file is None:
            return None
        try:
            found = os.stat(self.generation_file)
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def changed_here(self) -> None:
        """Credentials changed in a transaction of this process that has just committed."""
        self.clear()
        if self.generation_file is not None:
            # A new file each time (new inode): no reader can miss a change within one tick
            # of the file system's clock.
            temporary = self.generation_file.with_name(
                f"{self.generation_file.name}.{os.getpid()}.tmp"
            )
            try:
                temporary.write_text(f"{time.time_ns()} {os.getpid()}\n")
                os.replace(temporary, self.generation_file)
            except OSError as exc:  # the next requests still see the commit, after the TTL
                log.warning("could not write %s: %r", self.generation_file, exc)
            self._seen = self._signature()

    # --- PostgreSQL: LISTEN ----------------------------------------------------------------

    async def listen(self, dsn: str) -> None:
        """Start listening for changes made by other processes (PostgreSQL)."""
        self.needs_listener = True
        self._dsn = dsn
        await self._connect()
        if not self.listening:
            self._listener_task = asyncio.create_task(self._reconnect())

    async def _connect(self) -> None:
        import asyncpg

        assert self._dsn is not None
        try:
            connection = await asyncpg.connect(self._dsn)
            await connection.add_listener(CHANNEL, self._notified)
            connection.add_termination_listener(self._lost)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("credential cache off: cannot listen for changes: %r", exc)
            return
        self._listener = connection
        self.clear()  # whatever happened while not listening
        self.listening = True

    def _notified(self, *_args: Any) -> None:
        self.clear()

    def _lost(self, *_args: Any) -> None:
        self.listening = False
        self.clear()
        self._listener = None
        if self.needs_listener and (self._listener_task is None or self._listener_task.done()):
            self._listener_task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.5
        while self.needs_listener and not self.listening:
            await asyncio.sleep(delay)
            await self._connect()
            delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        self.needs_listener = False
        self.listening = False
        task, self._listener_task = self._listener_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        connection, self._listener = self._listener, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
        self.clear()


def attach_credential_cache(db: Database, ttl_seconds: float) -> CredentialCache:
    """Give `db` a credential cache; every session of `db` reports auth changes to it."""
    generation_file = None
    if db.is_sqlite:
        database = db.engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            generation_file = Path(database).with_name(Path(database).name + "-credentials")
    cache = CredentialCache(ttl_seconds, generation_file)
    db.session_info[CACHE_KEY] = cache
    return cache


def cache_of(db: Database) -> CredentialCache | None:
    return db.session_info.get(CACHE_KEY)


def listen_dsn(db: Database) -> str:
    """The asyncpg DSN of a PostgreSQL database URL."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


# --- noticing changes: session events (every session of every instance) ----------------------


def _mark(session: OrmSession) -> None:
    if CACHE_KEY in session.info:
        session.info[_CHANGED] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in AUTH_TABLES or state.execution_options.get(TOUCH):
        return
    if state.is_insert and name in _HARMLESS_INSERTS:
        return
    _mark(state.session)


@event.listens_for(OrmSession, "after_flush")
def _on_flush(session: OrmSession, _context: Any) -> None:
    if CACHE_KEY not in session.info or session.info.get(_CHANGED):
        return
    for obj in (*session.new, *session.deleted):
        name = getattr(obj, "__tablename__", None)
        if name in AUTH_TABLES and not (obj in session.new and name in _HARMLESS_INSERTS):
            _mark(session)
            return
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) not in AUTH_TABLES:
            continue
        changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
        if changed - _HARMLESS_COLUMNS - {"updated_at"}:
            _mark(session)
            return


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    if CACHE_KEY not in session.info:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit would flush after this hook: see the changes now
    if session.info.get(_CHANGED) and session.get_bind().dialect.name == "postgresql":
        # Delivered to the listeners only if (and when) the transaction commits.
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    if session.info.pop(_CHANGED, False):
        cache = session.info.get(CACHE_KEY)
        if cache is not None:
            cache.changed_here()


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_CHANGED, None)
