"""The update manager's one table: what was applied or rolled back, when and by whom.

It is written after an apply finishes (after a restore, when it rolled back), so a restored
backup never loses a line of it. The journal of an apply in progress is a file
(`updates/journal.json`): it must survive the database being restored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, utcnow

APPLIED = "applied"
ROLLED_BACK = "rolled_back"
STATES = (APPLIED, ROLLED_BACK)


class UpdateHistory(Base):
    __tablename__ = "update_manager_history"
    __table_args__ = (Index("ix_update_manager_history_release", "release_name", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journal_id: Mapped[str] = mapped_column(String(200), unique=True)
    release_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    previous_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    environment: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


MODELS: list[type[Base]] = [UpdateHistory]
