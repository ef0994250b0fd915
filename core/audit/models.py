"""The append-only, hash-chained audit table (UPDATE and DELETE are refused by triggers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "core_audit_event"
    __table_args__ = (
        Index("ix_core_audit_event_action", "action", "seq"),
        Index("ix_core_audit_event_entity", "entity_type", "entity_id", "seq"),
        Index("ix_core_audit_event_actor", "actor_id", "seq"),
    )

    # `seq` is assigned by the writer (previous + 1) under the chain lock, so it has no gaps.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fields: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditConsultation(Base):
    """Which records a consultation event (`record.view`) names, one row per record: the event
    itself names them all in its hashed `detail` (`{"ids": [...]}`); this index finds the events
    of one record. Append-only, like the log."""

    __tablename__ = "core_audit_consultation"
    __table_args__ = (
        Index("ix_core_audit_consultation_entity", "entity_type", "entity_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("core_audit_event.seq"),
        primary_key=True,
    )
    entity_type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class AuditCheckpoint(Base):
    """A signed statement "the log had `seq` events, the last one hashing to `head_hash`".

    Signed with the instance key, which lives outside the database: whoever can rewrite the
    log (drop its newest rows, or change a row and recompute every hash after it) cannot make
    a checkpoint that agrees with the result. A copy of each goes to a file of the data
    directory too, so deleting rows of this table does not hide a truncation either."""

    __tablename__ = "core_audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))  # canonical UTC time, as signed
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


MODELS: list[type[Base]] = [AuditEvent, AuditConsultation, AuditCheckpoint]
