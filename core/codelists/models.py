"""Code lists (`core_codelist`) and their entries (`core_codelist_entry`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, utcnow

# `source` of entries added by administrators (GraphQL or `ncen codelists import`): sync never
# changes or removes them.
NATIONAL = "national"


class CodeList(Base):
    __tablename__ = "core_codelist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # The plugin that ships the list (`core`, a module name) or `national`.
    source: Mapped[str] = mapped_column(String(64))
    # The version of the shipped data last applied (`"version"` in the data file), if any.
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CodeListEntry(Base):
    __tablename__ = "core_codelist_entry"
    __table_args__ = (UniqueConstraint("list_id", "code", name="uq_core_codelist_entry_list_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("core_codelist.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    parent_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


MODELS: list[type[Base]] = [CodeList, CodeListEntry]
