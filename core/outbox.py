"""Transactional outbox: rows written with the business data, dispatched after commit.

Delivery is at least once. The relay claims ready rows under a lease (`available_at` moved to the
lease end, `attempts` + 1) in one short transaction, runs the handlers, then records the outcome
only if it still holds that lease. A relay that dies mid-batch leaves its rows pending; they are
claimed again when the lease ends. Handlers are therefore idempotent on `OutboxEvent.id`, which
makes the *effect* exactly once (the search index replaces documents by id; icomm de-duplicates
by message id).

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several app processes share the work and
never dispatch a row twice while its lease is valid; on SQLite a claim is a `BEGIN IMMEDIATE`
write transaction and each instance runs one relay. A failed batch is retried with exponential
backoff and ends `dead` after `max_attempts` (`ncen outbox retry` revives it). Rows whose topic
has no handler (a disabled module's) stay pending until the module is enabled again. Done rows
are purged after `DONE_RETENTION`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    Text,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from core.config import OutboxSettings
from core.db import Base, Database, JSONType, UTCDateTime, utcnow
from core.errors import NcenError

log = logging.getLogger("ncen.outbox")

PENDING, DONE, DEAD = "pending", "done", "dead"
STATES = (PENDING, DONE, DEAD)
MAX_RETRY_DELAY = 3600.0  # seconds; keeps 2**attempts from overflowing a timedelta
DONE_RETENTION = dt.timedelta(days=7)
PURGE_EVERY = 3600.0  # seconds between two purges by a running relay
PURGE_CHUNK = 5000  # rows deleted per transaction by a purge
_WRITTEN = "ncen_outbox_written"
_PENDING = "ncen_outbox_pending"  # rows enqueued, inserted at commit
_INSERTED = ("topic", "payload", "status", "attempts", "created_at", "available_at")


class OutboxRow(Base):
    __tablename__ = "core_outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Ready time: now for a new row, the lease end while claimed, the retry time after a failure.
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_core_outbox_ready", "status", "topic", "available_at"),)


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
    """Consumes every row of `topics`, a batch at a time; must be idempotent on event id."""

    topics: tuple[str, ...]
    handle: HandlerFn
    name: str = ""


def enqueue(session: AsyncSession, topic: str, payload: dict[str, Any]) -> OutboxRow:
    """Add an outbox row to the caller's transaction; it is dispatched only if that commits.

    The row is inserted when the transaction commits (its `id` is set then), with one Core
    INSERT for all the rows of the transaction: the unit of work would cost more than the write
    itself, for a row nothing changes before commit. Inside a savepoint it goes through the unit
    of work, which withdraws it if the savepoint is rolled back."""
    now = utcnow()
    row = OutboxRow(
        topic=topic, payload=payload, status=PENDING, attempts=0, created_at=now, available_at=now
    )
    if session.in_nested_transaction():
        session.add(row)
    else:
        session.info.setdefault(_PENDING, []).append(row)
    session.info[_WRITTEN] = True
    return row


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """Write the rows `enqueue` kept for this transaction, just before it commits."""
    rows: list[OutboxRow] | None = session.info.pop(_PENDING, None)
    if not rows:
        return
    table = OutboxRow.__table__
    inserted = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [{column: getattr(row, column) for column in _INSERTED} for row in rows],
    )
    for row, (row_id,) in zip(rows, inserted.all(), strict=True):
        row.id = row_id


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing (not a savepoint) takes its rows along."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def handler_table(handlers: Sequence[tuple[str, OutboxHandler]]) -> dict[str, OutboxHandler]:
    """Topic -> handler; two handlers for one topic is a start-up error naming both plugins."""
    table: dict[str, OutboxHandler] = {}
    owners: dict[str, str] = {}
    for plugin_name, handler in handlers:
        for topic in handler.topics:
            if topic in table:
                raise NcenError(
                    f"outbox topic {topic!r} is handled by both {owners[topic]!r} and {plugin_name!r}"
                )
            table[topic], owners[topic] = handler, plugin_name
    return table


def retry_delay(settings: OutboxSettings, attempts: int) -> float:
    """Seconds before the next try after failed attempt number `attempts` (1, 2, 4, ... x base)."""
    return min(settings.retry_base_delay * 2.0 ** min(attempts - 1, 32), MAX_RETRY_DELAY)


class OutboxRelay:
    """Claims ready rows in batches, dispatches them per handler, and records the outcome."""

    def __init__(
        self,
        db: Database,
        handlers: dict[str, OutboxHandler],
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
        taken = result.rowcount or 0
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

    async def _claim(self) -> tuple[list[OutboxRow], dt.datetime]:
        """Take up to batch_size ready rows under a new lease; return them and the lease end."""
        now = utcnow()
        lease_end = now + dt.timedelta(seconds=self.settings.lease_seconds)
        async with self.db.transaction() as session:
            query = (
                select(OutboxRow)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.topic.in_(list(self.handlers)),
                    OutboxRow.available_at <= now,
                )
                .order_by(OutboxRow.id)
                .limit(self.settings.batch_size)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            claimed = []
            for row in rows:
                if row.attempts >= self.settings.max_attempts:
                    # Every lease so far ended without an outcome: the relay keeps dying on it.
                    row.status = DEAD
                    row.last_error = f"no outcome after {row.attempts} attempts (relay died?)"
                    continue
                row.attempts += 1
                row.available_at = lease_end
                claimed.append(row)
        return claimed, lease_end

    async def run_once(self) -> int:
        """Claim and dispatch one batch; return the number of rows taken."""
        rows, lease_end = await self._claim()
        if not rows:
            return 0
        batches: dict[int, tuple[OutboxHandler, list[OutboxRow]]] = {}
        for row in rows:
            handler = self.handlers[row.topic]
            batches.setdefault(id(handler), (handler, []))[1].append(row)
        done: list[int] = []
        failed: list[tuple[OutboxRow, str]] = []
        for handler, batch in batches.values():
            error = await self._dispatch(handler, batch, lease_end)
            if error is None:
                done.extend(r.id for r in batch)
            else:
                log.warning(
                    "outbox handler %s failed on %d rows: %s", handler.name, len(batch), error
                )
                failed.extend((r, error) for r in batch)
        await self._record(done, failed, lease_end)
        return len(rows)

    async def _dispatch(
        self, handler: OutboxHandler, batch: list[OutboxRow], lease_end: dt.datetime
    ) -> str | None:
        """Run one handler within the lease; return an error text, or None on success."""
        events = [OutboxEvent(r.id, r.topic, r.payload, r.attempts) for r in batch]
        remaining = (lease_end - utcnow()).total_seconds()
        try:
            async with asyncio.timeout(max(remaining, 0.0)) as deadline:
                await handler.handle(events)
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                return (
                    f"handler still running when its lease ended ({self.settings.lease_seconds}s)"
                )
            return f"{type(exc).__name__}: {exc}"[:2000]
        return None

    async def _record(
        self, done: list[int], failed: list[tuple[OutboxRow, str]], lease_end: dt.datetime
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
        """Pending rows of handled topics that are claimed right now (leased, not yet recorded)."""
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
                        OutboxRow.topic.in_(list(self.handlers)),
                        OutboxRow.attempts > 0,
                        OutboxRow.available_at > now,
                        OutboxRow.last_error.is_(None),
                    )
                )
                or 0
            )

    async def _purge_if_due(self) -> None:
        """Delete old done rows at most every PURGE_EVERY seconds, so the table stays small."""
        if self.retention is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY
        purged = await purge_done(self.db, self.retention)
        if purged:
            log.info("outbox: purged %d done rows older than %s", purged, self.retention)


async def purge_done(db: Database, older_than: dt.timedelta, *, chunk: int = PURGE_CHUNK) -> int:
    """Delete done rows finished more than `older_than` ago; pending and dead rows are kept.

    In transactions of at most `chunk` rows: an hour of rows at a hundred writes a second would
    otherwise hold the write lock (and, on SQLite, the event loop) for seconds at once."""
    cutoff = utcnow() - older_than
    purged = 0
    while True:
        old = (
            select(OutboxRow.id)
            .where(OutboxRow.status == DONE, OutboxRow.done_at < cutoff)
            .order_by(OutboxRow.id)
            .limit(chunk)
        )
        async with db.transaction() as session:
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.id.in_(old.scalar_subquery()))
            )
        deleted = result.rowcount or 0
        purged += deleted
        if deleted < chunk:
            return purged


async def retry_dead(db: Database, topic: str | None = None) -> int:
    """Move dead rows (of one topic, or all) back to pending with a fresh set of attempts."""
    query = update(OutboxRow).where(OutboxRow.status == DEAD)
    if topic is not None:
        query = query.where(OutboxRow.topic == topic)
    async with db.transaction() as session:
        result = await session.execute(
            query.values(status=PENDING, attempts=0, available_at=utcnow())
        )
    return result.rowcount or 0


@dataclass(frozen=True)
class TopicState:
    """One line of `ncen outbox status`: rows of a topic in a state."""

    topic: str
    status: str
    count: int
    oldest: dt.datetime  # created_at of the oldest row


async def status_counts(db: Database) -> list[TopicState]:
    """Counts per topic and state, with each group's oldest creation time."""
    query = (
        select(OutboxRow.topic, OutboxRow.status, func.count(), func.min(OutboxRow.created_at))
        .group_by(OutboxRow.topic, OutboxRow.status)
        .order_by(OutboxRow.topic, OutboxRow.status)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return [TopicState(*row) for row in rows]
