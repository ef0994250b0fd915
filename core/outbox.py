"""Transactional outbox: rows written with the business data, dispatched after commit.

A topic may have any number of handlers, each tracked on its own: `enqueue` writes one row per
handler registered for the topic (its `handler` column names it), so one handler's failures,
retries and dead rows never hold back or repeat another's. A row written while its topic has no
handler at all (the consuming module is disabled) waits, unassigned, for the first relay that
handles the topic, which hands it to each of its handlers.

Delivery is at least once. The relay claims ready rows under a lease (`available_at` moved to the
lease end, `attempts` + 1) in one short transaction, runs the handlers, then records the outcome
only if it still holds that lease. A relay that dies mid-batch leaves its rows pending; they are
claimed again when the lease ends. Handlers are therefore idempotent on `OutboxEvent.id`, which
makes the *effect* exactly once (the search index replaces documents by id; a consumer that
writes to the database records `first_delivery` in its own transaction).

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several app processes share the work and
never dispatch a row twice while its lease is valid; on SQLite a claim is a `BEGIN IMMEDIATE`
write transaction and each instance runs one relay. A failed batch is retried with exponential
backoff and ends `dead` after `max_attempts` (`ncen outbox retry` revives it). Rows whose
handler is not registered (a disabled module's) stay pending until the module is enabled again.
Done rows are purged after `DONE_RETENTION`, delivery receipts after `RECEIPT_RETENTION`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    event,
    false,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from core.bulk_insert import insert_many_sync
from core.config import OutboxSettings
from core.db import Base, Database, JSONType, UTCDateTime, rowcount, utcnow
from core.errors import NcenError

log = logging.getLogger("ncen.outbox")

PENDING, DONE, DEAD = "pending", "done", "dead"
STATES = (PENDING, DONE, DEAD)
UNASSIGNED = ""  # `handler` of a row written while its topic had no handler
MAX_RETRY_DELAY = 3600.0  # seconds; keeps 2**attempts from overflowing a timedelta
DONE_RETENTION = dt.timedelta(days=7)
# A receipt only matters while its row can still be delivered again (pending or dead, until an
# operator retries it); kept far longer than any backoff, then purged like done rows.
RECEIPT_RETENTION = dt.timedelta(days=90)
PURGE_EVERY = 3600.0  # seconds between two purges by a running relay
PURGE_CHUNK = 5000  # rows deleted per transaction by a purge
_WRITTEN = "ncen_outbox_written"
_PENDING = "ncen_outbox_pending"  # rows enqueued, inserted at commit
ROUTES_KEY = "ncen.outbox.routes"  # session info: the instance's HandlerTable
_ID_CHUNK = 900  # ids per IN list (SQLite's default limit on bound parameters is 999)
_INSERTED = ("topic", "handler", "payload", "status", "attempts", "created_at", "available_at")


class OutboxRow(Base):
    __tablename__ = "core_outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(100))
    # The handler this row is for (OutboxHandler key); UNASSIGNED until a handler exists.
    handler: Mapped[str] = mapped_column(String(100), default=UNASSIGNED, server_default=UNASSIGNED)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Ready time: now for a new row, the lease end while claimed, the retry time after a failure.
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_core_outbox_ready", "status", "handler", "topic", "available_at"),)


class OutboxReceipt(Base):
    """What a consumer has applied, written in the consumer's own transaction (see
    `first_delivery`): a second delivery of the same key finds it and changes nothing."""

    __tablename__ = "core_outbox_receipt"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


@dataclass
class ClaimedRow:
    """A row the relay holds under its lease: what dispatching and recording need of it."""

    id: int
    topic: str
    handler: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class OutboxEvent:
    """What a handler receives: the row's stable id (for idempotence), topic and payload."""

    id: int
    topic: str
    payload: dict[str, Any]
    attempts: int


HandlerFn = Callable[[Sequence[OutboxEvent]], Awaitable[None]]


@dataclass(frozen=True)
class OutboxHandler:
    """Consumes every row of `topics`, a batch at a time; must be idempotent on event id.

    `name` is the handler's key in the outbox (its rows carry it): unique in the instance and
    stable across versions, since pending rows wait for the handler of that name. Without one,
    the plugin's name is used."""

    topics: tuple[str, ...]
    handle: HandlerFn
    name: str = ""


class PartialFailure(Exception):
    """Raised by a handler that applied only part of its batch: the rows named in `failed`
    (row id -> error) are retried, the others are done."""

    def __init__(self, failed: Mapping[int, str]) -> None:
        self.failed = dict(failed)
        super().__init__(f"{len(self.failed)} row(s) failed")


@dataclass(frozen=True)
class HandlerTable:
    """The handlers of one instance: by key, and the keys of each topic's handlers."""

    handlers: dict[str, OutboxHandler] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # key -> plugin name

    def keys_for(self, topic: str) -> tuple[str, ...]:
        return self.topics.get(topic, ())

    def pairs(self) -> list[tuple[str, str]]:
        """(topic, handler key) of every subscription."""
        return [(topic, key) for topic, keys in self.topics.items() for key in keys]

    def __bool__(self) -> bool:
        return bool(self.handlers)

    def claimable(self) -> ColumnElement[bool]:
        """Rows this table's handlers take: their own, and unassigned rows of their topics."""
        if not self.handlers:
            return false()
        return or_(
            tuple_(OutboxRow.topic, OutboxRow.handler).in_(self.pairs()),
            and_(OutboxRow.handler == UNASSIGNED, OutboxRow.topic.in_(list(self.topics))),
        )


def handler_table(handlers: Sequence[tuple[str, OutboxHandler]]) -> HandlerTable:
    """Index handlers by key; two handlers with one key is a start-up error naming both plugins.

    A topic may have several handlers; they are listed in registration order (core first, then
    modules in dependency order)."""
    table = HandlerTable()
    for plugin_name, handler in handlers:
        key = handler.name or plugin_name
        if key == UNASSIGNED or len(key) > 100:
            raise NcenError(f"{plugin_name!r}: outbox handler name {key!r} must be 1 to 100 chars")
        if key in table.handlers:
            raise NcenError(
                f"outbox handler name {key!r} is used by both {table.owners[key]!r} and "
                f"{plugin_name!r}: give each handler its own `name`"
            )
        table.handlers[key], table.owners[key] = handler, plugin_name
        for topic in dict.fromkeys(handler.topics):
            table.topics[topic] = (*table.topics.get(topic, ()), key)
    return table


def enqueue(
    session: AsyncSession,
    topic: str,
    payload: dict[str, Any],
    *,
    if_unhandled: Literal["keep", "drop"] = "keep",
) -> list[OutboxRow]:
    """Add the rows of `topic` to the caller's transaction, one per handler of the topic; they
    are dispatched only if the transaction commits.

    With no handler registered for the topic, `keep` writes one unassigned row that waits for
    the first handler (a module enabled later), and `drop` writes nothing (events that nobody
    subscribes to).

    The rows are inserted when the transaction commits (their `id` is set then), with one Core
    INSERT for all the rows of the transaction: the unit of work would cost more than the write
    itself, for rows nothing changes before commit. Inside a savepoint they go through the unit
    of work, which withdraws them if the savepoint is rolled back."""
    keys = _keys(session, topic, if_unhandled)
    if not keys:
        return []
    now = utcnow()
    rows = [
        OutboxRow(
            topic=topic,
            handler=key,
            payload=payload,
            status=PENDING,
            attempts=0,
            created_at=now,
            available_at=now,
        )
        for key in keys
    ]
    if session.in_nested_transaction():
        session.add_all(rows)
    else:
        session.info.setdefault(_PENDING, []).extend((None, row) for row in rows)
    session.info[_WRITTEN] = True
    return rows


def enqueue_many(
    session: AsyncSession,
    topic: str,
    payloads: Sequence[dict[str, Any]],
    *,
    if_unhandled: Literal["keep", "drop"] = "keep",
) -> None:
    """`enqueue` of several payloads of one topic (a batch of records written together): the
    same rows, kept as plain values rather than ORM objects (no ids are handed back)."""
    keys = _keys(session, topic, if_unhandled)
    if not keys or not payloads:
        return
    if session.in_nested_transaction():
        for payload in payloads:
            enqueue(session, topic, payload, if_unhandled=if_unhandled)
        return
    now = utcnow()
    pending = session.info.setdefault(_PENDING, [])
    for payload in payloads:
        for key in keys:
            # The columns `enqueue`'s rows are inserted with, in `_INSERTED`'s order.
            values = dict(zip(_INSERTED, (topic, key, payload, PENDING, 0, now, now), strict=True))
            pending.append((values, None))
    session.info[_WRITTEN] = True


def has_rows_for(
    session: AsyncSession, topic: str, *, if_unhandled: Literal["keep", "drop"] = "keep"
) -> bool:
    """Whether `enqueue` would write rows of `topic` in this session (a batch need not build
    payloads nobody receives)."""
    return bool(_keys(session, topic, if_unhandled))


def _keys(
    session: AsyncSession, topic: str, if_unhandled: Literal["keep", "drop"]
) -> tuple[str, ...]:
    """The handler keys rows of `topic` are written for (none: write nothing)."""
    routes: HandlerTable | None = session.info.get(ROUTES_KEY)
    keys = routes.keys_for(topic) if routes is not None else ()
    if not keys and if_unhandled == "keep":
        return (UNASSIGNED,)
    return keys


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """Write the rows `enqueue` and `enqueue_many` kept for this transaction, just before it
    commits: (insert values, None) or (None, the row object, read now, whose `id` to set)."""
    kept: list[tuple[dict[str, Any] | None, OutboxRow | None]] | None = session.info.pop(
        _PENDING, None
    )
    if not kept:
        return
    table = cast(Table, OutboxRow.__table__)  # typed as any FromClause; it is a table
    pending = [
        (row_values or {c: getattr(row, c) for c in _INSERTED}, row) for row_values, row in kept
    ]
    values = [row_values for row_values, _ in pending]
    if session.get_bind().dialect.name == "sqlite":
        # RETURNING in row order costs SQLite one INSERT per row (an import of 10,000 records
        # wrote 10,000 statements here): the ids are taken after the largest instead, under
        # the write lock the transaction holds, which is what SQLite itself would give them.
        largest: int = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        for number, (row_values, row) in enumerate(pending, 1):
            row_values["id"] = largest + number
            if row is not None:
                row.id = row_values["id"]
        insert_many_sync(session, table, values)
        return
    if all(row is None for _, row in pending):
        session.execute(insert(table), values)  # no ids to hand back
        return
    inserted = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), values
    )
    for (_, row), found in zip(pending, inserted.all(), strict=True):
        if row is not None:
            row.id = found.id


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing (not a savepoint) takes its rows along."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


async def first_delivery(session: AsyncSession, consumer: str, key: str | int) -> bool:
    """Record, in the consumer's own write transaction, that `consumer` applies the delivery
    `key` (an event id); False if it already did, in a transaction that committed.

    Written in the same transaction as the consumer's effect, the receipt commits or rolls back
    with it, which makes the effect exactly once however often the row is delivered:

        async with instance.db.transaction() as session:
            if not await first_delivery(session, "watchlist", event.event_id):
                return
            session.add(Hit(...))
    """
    values = {"consumer": consumer, "key": str(key), "received_at": utcnow()}
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        dialect_insert(OutboxReceipt).values(**values).on_conflict_do_nothing()
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # DML through a session returns a CursorResult, typed as Result


def retry_delay(settings: OutboxSettings, attempts: int) -> float:
    """Seconds before the next try after failed attempt number `attempts` (1, 2, 4, ... x base)."""
    return min(settings.retry_base_delay * 2.0 ** min(attempts - 1, 32), MAX_RETRY_DELAY)


class OutboxRelay:
    """Claims ready rows in batches, dispatches them per handler, and records the outcome."""

    def __init__(
        self,
        db: Database,
        handlers: HandlerTable,
        settings: OutboxSettings,
        *,
        retention: dt.timedelta | None = DONE_RETENTION,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.settings = settings
        self.retention = retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_purge = 0.0
        db.add_commit_listener(self._on_commit)
        # `enqueue` reads the instance's handlers from the session it is given.
        db.session_info[ROUTES_KEY] = handlers

    def _on_commit(self, session: AsyncSession) -> None:
        """Wake at once after a commit of this process that wrote outbox rows (else: polling)."""
        if session.info.pop(_WRITTEN, False):
            self._wake.set()

    def notify(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None and self.handlers:
            if self.db.is_sqlite:
                await self.take_back_leases()
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="ncen-outbox-relay")

    async def take_back_leases(self) -> int:
        """Make rows waiting for a time to come ready now; returns how many.

        On SQLite an instance runs one relay, so a row still leased when it starts was leased
        by a process that is gone (a crash): without this, its records would wait out the
        lease (`lease_seconds`) before being indexed. Rows backing off after a failure are
        retried at once too: a restart is a fair moment to try again. Delivery stays at least
        once, as always."""
        now = utcnow()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.attempts > 0,
                    OutboxRow.available_at > now,
                )
                .values(available_at=now)
            )
        taken = rowcount(result)
        if taken:
            log.info("outbox: %d rows leased by a relay that is gone are ready again", taken)
        return taken

    async def stop(self) -> None:
        """Let the batch in flight finish (bounded by the lease), then end the loop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task

    async def _run(self) -> None:
        next_batch = 0.0  # monotonic time before which no batch starts (coalescing)
        while not self._stopping:
            pause = next_batch - time.monotonic()
            if pause > 0:
                # Commits arriving meanwhile join the next batch instead of making one each.
                await self._sleep(pause)
                continue
            # Cleared before claiming, so a commit during the batch is not missed.
            self._wake.clear()
            started = time.monotonic()
            try:
                taken = await self.run_once()
                await self._purge_if_due()
            except Exception:  # the relay must outlive a broken database moment
                log.exception("outbox relay iteration failed")
                taken = 0
            if taken:
                # A full batch means a backlog: take the next one at once.
                full = taken >= self.settings.batch_size
                next_batch = started + (0.0 if full else self.settings.batch_interval)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but end early when the relay is asked to stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self._stopping:
                    self._wake.clear()
                    await self._wake.wait()

    async def _claim(self) -> tuple[list[ClaimedRow], dt.datetime]:
        """Take up to batch_size ready rows under a new lease; return them and the lease end.

        Unassigned rows of a topic this relay handles are handed to the topic's handlers on the
        way: the row itself to the first, a copy to each other one.

        Read as plain columns and leased with one UPDATE per chunk of ids: loading ORM
        instances and writing each back through the unit of work was most of the relay's own
        cost at 500 rows a batch."""
        now = utcnow()
        lease_end = now + dt.timedelta(seconds=self.settings.lease_seconds)
        async with self.db.transaction() as session:
            query = (
                select(
                    OutboxRow.id,
                    OutboxRow.topic,
                    OutboxRow.handler,
                    OutboxRow.payload,
                    OutboxRow.attempts,
                )
                .where(
                    OutboxRow.status == PENDING,
                    self.handlers.claimable(),
                    OutboxRow.available_at <= now,
                )
                .order_by(OutboxRow.id)
                .limit(self.settings.batch_size)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            taken: list[ClaimedRow | int] = []  # an int: an unassigned row, handed out below
            ready = cast(
                "list[tuple[int, str, str, dict[str, Any], int]]",
                (await session.execute(query)).all(),
            )
            for row_id, topic, handler, payload, attempts in ready:
                if handler == UNASSIGNED:
                    taken.append(row_id)
                elif attempts >= self.settings.max_attempts:
                    # Every lease so far ended without an outcome: the relay keeps dying on it.
                    await session.execute(
                        update(OutboxRow)
                        .where(OutboxRow.id == row_id)
                        .values(
                            status=DEAD,
                            last_error=f"no outcome after {attempts} attempts (relay died?)",
                        )
                    )
                else:
                    taken.append(ClaimedRow(row_id, topic, handler, payload, attempts))
            unassigned = [t for t in taken if isinstance(t, int)]
            handed: dict[int, list[OutboxRow]] = {}
            if unassigned:
                for row in await session.scalars(
                    select(OutboxRow).where(OutboxRow.id.in_(unassigned))
                ):
                    handed[row.id] = self._assign(session, row)
                await session.flush()  # the copies get their ids
            claimed: list[ClaimedRow] = []
            for t in taken:  # in id order, each unassigned row's copies right after it
                if isinstance(t, ClaimedRow):
                    claimed.append(t)
                else:
                    claimed += [
                        ClaimedRow(r.id, r.topic, r.handler, r.payload, r.attempts)
                        for r in handed.get(t, [])
                    ]
            ids = [row.id for row in claimed]
            for start in range(0, len(ids), _ID_CHUNK):
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(ids[start : start + _ID_CHUNK]))
                    .values(attempts=OutboxRow.attempts + 1, available_at=lease_end)
                    .execution_options(synchronize_session=False)
                )
        for leased in claimed:
            leased.attempts += 1
        return claimed, lease_end

    def _assign(self, session: AsyncSession, row: OutboxRow) -> list[OutboxRow]:
        first, *others = self.handlers.keys_for(row.topic)
        row.handler = first
        copies = [
            OutboxRow(
                topic=row.topic,
                handler=key,
                payload=row.payload,
                status=PENDING,
                attempts=row.attempts,
                created_at=row.created_at,
                available_at=row.available_at,
            )
            for key in others
        ]
        session.add_all(copies)
        return [row, *copies]

    async def run_once(self) -> int:
        """Claim and dispatch one batch; return the number of rows taken."""
        rows, lease_end = await self._claim()
        if not rows:
            return 0
        batches: dict[str, list[ClaimedRow]] = {}
        for row in rows:
            batches.setdefault(row.handler, []).append(row)
        done: list[int] = []
        failed: list[tuple[ClaimedRow, str]] = []
        for key, batch in batches.items():
            errors = await self._dispatch(self.handlers.handlers[key], batch, lease_end)
            for row in batch:
                if row.id in errors:
                    failed.append((row, errors[row.id]))
                else:
                    done.append(row.id)
            if errors:
                log.warning(
                    "outbox handler %s failed on %d of %d rows: %s",
                    key,
                    len(errors),
                    len(batch),
                    next(iter(errors.values())),
                )
        await self._record(done, failed, lease_end)
        return len(rows)

    async def _dispatch(
        self, handler: OutboxHandler, batch: list[ClaimedRow], lease_end: dt.datetime
    ) -> dict[int, str]:
        """Run one handler within the lease; return the rows that failed, with their error."""
        events = [OutboxEvent(r.id, r.topic, r.payload, r.attempts) for r in batch]
        remaining = (lease_end - utcnow()).total_seconds()
        try:
            async with asyncio.timeout(max(remaining, 0.0)) as deadline:
                await handler.handle(events)
        except PartialFailure as partial:
            ours = {r.id for r in batch}
            return {i: error[:2000] for i, error in partial.failed.items() if i in ours}
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                error = (
                    f"handler still running when its lease ended ({self.settings.lease_seconds}s)"
                )
            else:
                error = f"{type(exc).__name__}: {exc}"[:2000]
            return {r.id: error for r in batch}
        return {}

    async def _record(
        self, done: list[int], failed: list[tuple[ClaimedRow, str]], lease_end: dt.datetime
    ) -> None:
        """Write outcomes, but only for rows still under our lease (no one re-claimed them)."""
        now = utcnow()
        ours = (OutboxRow.status == PENDING, OutboxRow.available_at == lease_end)
        async with self.db.transaction() as session:
            if done:
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(done), *ours)
                    .values(status=DONE, done_at=now, last_error=None)
                )
            for row, error in failed:
                if row.attempts >= self.settings.max_attempts:
                    values: dict[str, Any] = {"status": DEAD, "last_error": error}
                else:
                    delay = dt.timedelta(seconds=retry_delay(self.settings, row.attempts))
                    values = {"available_at": now + delay, "last_error": error}
                await session.execute(
                    update(OutboxRow).where(OutboxRow.id == row.id, *ours).values(**values)
                )

    async def drain(self) -> int:
        """Dispatch until nothing is ready; return how many rows were taken (tests, CLI)."""
        total = 0
        while taken := await self.run_once():
            total += taken
        return total

    async def settle(self) -> None:
        """Drain, and wait for rows that a running relay holds under a lease, until everything
        deliverable has been delivered (tests: "the write is now searchable"). Bounded by the
        lease: a row held longer belongs to a relay that died, and is left to its lease."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.lease_seconds):
                while True:
                    await self.drain()
                    if not await self._in_flight():
                        return
                    await asyncio.sleep(0.02)

    async def _in_flight(self) -> int:
        """Pending rows of this relay's handlers that are claimed right now (leased, not yet
        recorded)."""
        if not self.handlers:
            return 0
        now = utcnow()
        async with self.db.session() as session:
            return (
                await session.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(
                        OutboxRow.status == PENDING,
                        self.handlers.claimable(),
                        OutboxRow.attempts > 0,
                        OutboxRow.available_at > now,
                        OutboxRow.last_error.is_(None),
                    )
                )
                or 0
            )

    async def _purge_if_due(self) -> None:
        """Delete old done rows and receipts at most every PURGE_EVERY seconds, so the tables
        stay small."""
        if self.retention is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY
        purged = await purge_done(self.db, self.retention)
        if purged:
            log.info("outbox: purged %d done rows older than %s", purged, self.retention)
        receipts = await purge_receipts(self.db, max(self.retention, RECEIPT_RETENTION))
        if receipts:
            log.info("outbox: purged %d delivery receipts", receipts)


async def _purge(
    db: Database, table: Any, key: Sequence[Any], old: ColumnElement[bool], chunk: int
) -> int:
    """Delete the rows matching `old`, at most `chunk` per transaction: an hour of rows at a
    hundred writes a second would otherwise hold the write lock (and, on SQLite, the event
    loop) for seconds at once. `key` is the table's primary key columns."""
    purged = 0
    while True:
        batch = select(*key).where(old).limit(chunk)
        target = key[0].in_(batch.scalar_subquery()) if len(key) == 1 else tuple_(*key).in_(batch)
        async with db.transaction() as session:
            result = await session.execute(delete(table).where(target))
        deleted = rowcount(result)
        purged += deleted
        if deleted < chunk:
            return purged


async def purge_done(db: Database, older_than: dt.timedelta, *, chunk: int = PURGE_CHUNK) -> int:
    """Delete done rows finished more than `older_than` ago; pending and dead rows are kept."""
    cutoff = utcnow() - older_than
    old = and_(OutboxRow.status == DONE, OutboxRow.done_at < cutoff)
    return await _purge(db, OutboxRow, [OutboxRow.id], old, chunk)


async def purge_receipts(
    db: Database, older_than: dt.timedelta, *, chunk: int = PURGE_CHUNK
) -> int:
    """Delete delivery receipts written more than `older_than` ago."""
    old = OutboxReceipt.received_at < utcnow() - older_than
    key = [OutboxReceipt.consumer, OutboxReceipt.key]
    return await _purge(db, OutboxReceipt, key, old, chunk)


async def retry_dead(db: Database, topic: str | None = None, handler: str | None = None) -> int:
    """Move dead rows (of one topic and/or handler, or all) back to pending with a fresh set of
    attempts."""
    query = update(OutboxRow).where(OutboxRow.status == DEAD)
    if topic is not None:
        query = query.where(OutboxRow.topic == topic)
    if handler is not None:
        query = query.where(OutboxRow.handler == handler)
    async with db.transaction() as session:
        result = await session.execute(
            query.values(status=PENDING, attempts=0, available_at=utcnow())
        )
    return rowcount(result)


async def hasten(db: Database, handler: str, *, exclude: Sequence[int] = ()) -> int:
    """Make the rows of `handler` that wait for a retry ready now; returns how many.

    For a handler that learns the reason of its failures is gone (the peer it delivers to
    answers again): its backlog goes at once instead of after each row's back-off. A row
    claimed by another relay right now may be claimed again, which at-least-once delivery
    allows; `exclude` names the rows of the caller's own batch."""
    now = utcnow()
    query = update(OutboxRow).where(
        OutboxRow.status == PENDING,
        OutboxRow.handler == handler,
        OutboxRow.attempts > 0,
        OutboxRow.last_error.is_not(None),
        OutboxRow.available_at > now,
    )
    if exclude:
        query = query.where(OutboxRow.id.not_in(list(exclude)))
    async with db.transaction() as session:
        result = await session.execute(query.values(available_at=now))
    return rowcount(result)


@dataclass(frozen=True)
class TopicState:
    """One line of `ncen outbox status`: rows of a topic, for one handler, in a state."""

    topic: str
    handler: str
    status: str
    count: int
    oldest: dt.datetime  # created_at of the oldest row


async def status_counts(db: Database) -> list[TopicState]:
    """Counts per topic, handler and state, with each group's oldest creation time."""
    query = (
        select(
            OutboxRow.topic,
            OutboxRow.handler,
            OutboxRow.status,
            func.count(),
            func.min(OutboxRow.created_at),
        )
        .group_by(OutboxRow.topic, OutboxRow.handler, OutboxRow.status)
        .order_by(OutboxRow.topic, OutboxRow.handler, OutboxRow.status)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return [TopicState(*row) for row in rows]
