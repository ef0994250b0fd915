"""Tables of data exchange: external keys, idempotency keys of bulk calls, and import jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, utcnow


class ExternalKey(Base):
    """The record another system knows by `key`: re-imports and bulk upserts update it instead
    of creating a twin. `source` names the system (a mapping's `source`, a bulk call's)."""

    __tablename__ = "core_external_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("entity_type", "source", "key"),
        Index("ix_core_external_key_record", "entity_type", "record_id"),
    )


class IdempotencyKey(Base):
    """The first answer of a bulk call sent with an `Idempotency-Key`: a retry with the same
    key (same caller, same request) gets it back and writes nothing."""

    __tablename__ = "core_idempotency_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class ImportJob(Base):
    """One import of an uploaded file: its state, counts and where its report is kept."""

    __tablename__ = "core_import_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(100))
    # queued, running, done (written), refused (bad rows, nothing written), checked (dry run,
    # no bad rows), failed (an error of the system)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    dry_run: Mapped[bool] = mapped_column(default=False)
    file_format: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What a job needs to run again in another process after a restart: the mapping (as its
    # file gives it), the permissions of the credential that uploaded it, and a lease: the
    # process running it (`runner`) and when it was last heard of (`heartbeat_at`).
    mapping: Mapped[Any] = mapped_column(JSONType, nullable=True)
    scope: Mapped[Any] = mapped_column(JSONType, nullable=True)
    runner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_core_import_job_status", "status"),)


MODELS: list[type[Base]] = [ExternalKey, IdempotencyKey, ImportJob]
