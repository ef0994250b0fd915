"""Test module `ledger`: a business row and its outbox row in one transaction, and a consumer
that applies each event's effect at most once (keyed by event id), as real consumers must.

`crash_after_effect` makes the consumer kill its own process once the effect is committed but
before the relay can mark the row done: the worst moment for an at-least-once outbox.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence

from sqlalchemy import BigInteger, Integer, String, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Database
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import OutboxEvent, OutboxHandler, enqueue

TOPIC = "ledger.entry_added"


class LedgerEntry(Base):
    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class LedgerEffect(Base):
    """The consumer's idempotency store: one row per applied event."""

    __tablename__ = "ledger_effect"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(Integer)


async def add_entry(db: Database, name: str) -> int:
    """The write path: business row and outbox row commit together or not at all."""
    async with db.transaction() as session:
        entry = LedgerEntry(name=name)
        session.add(entry)
        await session.flush()
        enqueue(session, TOPIC, {"entry_id": entry.id})
    return entry.id


async def effects(db: Database) -> dict[int, int]:
    """entry_id -> number of effects applied for it (exactly-once means all ones)."""
    async with db.session() as session:
        query = select(LedgerEffect.entry_id, func.count()).group_by(LedgerEffect.entry_id)
        return {entry_id: n for entry_id, n in (await session.execute(query)).all()}


class LedgerModule:
    info = ModuleInfo(name="ledger", version="1.0.0", label="Ledger (test)")

    def __init__(self, *, crash_after_effect: bool = False) -> None:
        self.crash_after_effect = crash_after_effect
        self.db: Database | None = None
        self.deliveries: list[int] = []  # event ids as handed to this process's consumer

    def bind(self, db: Database) -> None:
        self.db = db

    @hookimpl
    def on_startup(self, instance: Instance) -> None:
        self.bind(instance.db)

    @hookimpl
    def register_models(self) -> list[type]:
        return [LedgerEntry, LedgerEffect]

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        return [OutboxHandler(topics=(TOPIC,), handle=self.consume, name="ledger")]

    async def consume(self, events: Sequence[OutboxEvent]) -> None:
        assert self.db is not None, "LedgerModule.bind(db) first"
        self.deliveries.extend(e.id for e in events)
        values = [{"event_id": e.id, "entry_id": e.payload["entry_id"]} for e in events]
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        async with self.db.transaction() as session:
            await session.execute(insert(LedgerEffect).values(values).on_conflict_do_nothing())
        if self.crash_after_effect:
            os.kill(os.getpid(), signal.SIGKILL)
