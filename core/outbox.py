"""Transactional outbox: rows written with the business data, dispatched after commit.

Delivery is at least once: a row is claimed under a lease, handed to the handler of its topic,
then marked done. A crash before the mark leaves the row to be claimed again when the lease ends,
so handlers are idempotent on `OutboxEvent.id` (the search index replaces documents by id; icomm
de-duplicates by message id). Failed batches are retried with exponential backoff and end in the
`dead` state after `max_attempts`, where `ncen outbox` shows them. Rows whose topic has no handler
(a disabled module's) stay pending and are dispatched when the module is enabled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.config import OutboxSettings
from core.db import Base, Database, JSONType, UTCDateTime, utcnow
from core.errors import NcenError

log = logging.getLogger("ncen.outbox")

PENDING, DONE, DEAD = "pending", "done", "dead"


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
    """Add an outbox row to the caller's transaction; it is dispatched only if that commits."""
    row = OutboxRow(topic=topic, payload=payload, status=PENDING, attempts=0)
    session.add(row)
    session.info["ncen_outbox_written"] = True
    return row


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


class OutboxRelay:
    """Claims ready rows in batches, dispatches them per topic, and records the outcome."""

    def __init__(
        self, db: Database, handlers: dict[str, OutboxHandler], settings: OutboxSettings
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.settings = settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        db.add_commit_listener(self._on_commit)

    def _on_commit(self, session: AsyncSession) -> None:
        if session.info.pop("ncen_outbox_written", False):
            self._wake.set()

    def notify(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None and self.handlers:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="ncen-outbox-relay")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                handled = await self.run_once()
            except Exception:  # the relay must outlive a broken database moment
                log.exception("outbox relay iteration failed")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_interval)

    async def _claim(self) -> list[OutboxRow]:
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
            for row in rows:
                row.attempts += 1
                row.available_at = lease_end
        return rows

    async def run_once(self) -> int:
        """Claim and dispatch one batch; return the number of rows taken."""
        rows = await self._claim()
        if not rows:
            return 0
        by_handler: dict[int, tuple[OutboxHandler, list[OutboxRow]]] = {}
        for row in rows:
            handler = self.handlers[row.topic]
            by_handler.setdefault(id(handler), (handler, []))[1].append(row)
        outcomes: dict[str, list[int]] = defaultdict(list)
        errors: dict[int, str] = {}
        for handler, batch in by_handler.values():
            events = [OutboxEvent(r.id, r.topic, r.payload, r.attempts) for r in batch]
            try:
                await handler.handle(events)
                outcomes[DONE].extend(r.id for r in batch)
            except Exception as exc:
                log.warning(
                    "outbox handler %s failed on %d rows: %r", handler.name, len(batch), exc
                )
                for r in batch:
                    errors[r.id] = f"{type(exc).__name__}: {exc}"[:2000]
        await self._record(rows, outcomes[DONE], errors)
        return len(rows)

    async def _record(self, rows: list[OutboxRow], done: list[int], errors: dict[int, str]) -> None:
        now = utcnow()
        async with self.db.transaction() as session:
            if done:
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(done))
                    .values(status=DONE, done_at=now, last_error=None)
                )
            for row in rows:
                if row.id not in errors:
                    continue
                if row.attempts >= self.settings.max_attempts:
                    values = {"status": DEAD, "last_error": errors[row.id]}
                else:
                    delay = self.settings.retry_base_delay * 2 ** (row.attempts - 1)
                    values = {
                        "available_at": now + dt.timedelta(seconds=delay),
                        "last_error": errors[row.id],
                    }
                await session.execute(
                    update(OutboxRow).where(OutboxRow.id == row.id).values(**values)
                )

    async def drain(self) -> int:
        """Dispatch until nothing is ready; return how many rows were taken (tests, CLI)."""
        total = 0
        while taken := await self.run_once():
            total += taken
        return total
