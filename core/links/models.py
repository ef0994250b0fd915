"""`core_link`: no foreign keys into module tables, so a disabled module's links stay intact."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Link(Base):
    __tablename__ = "core_link"
    __table_args__ = (
        UniqueConstraint(
            "src_type", "src_id", "relation", "dst_type", "dst_id", name="uq_core_link_edge"
        ),
        Index("ix_core_link_dst", "dst_type", "dst_id", "relation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    src_type: Mapped[str] = mapped_column(String(64))
    src_id: Mapped[str] = mapped_column(String(100))
    # Modules are stored so that hiding a disabled module's links is a plain SQL filter.
    src_module: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(64))
    dst_type: Mapped[str] = mapped_column(String(64))
    dst_id: Mapped[str] = mapped_column(String(100))
    dst_module: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


MODELS: list[type[Base]] = [Link]
