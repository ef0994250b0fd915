"""The intelligence module's tables: watch lists and their entries, alerts raised by screening,
the judgements analysts make on them, and a revision counter that tells every process when its
in-memory watch index is stale.

Entries and alerts hold personal data (names, numbers, the values an explanation compares) and
are tagged nominal; an alert names the record it is about by entity type and id only, and is
shown only to readers who may see that record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import DERIVED, NOMINAL, Base, JSONType, UTCDateTime, utcnow

PRIVATE, ROLE, INSTANCE = "private", "role", "instance"
SHARING = (PRIVATE, ROLE, INSTANCE)
ENTRY_KINDS = ("person", "company", "conveyance", "term")
OPEN, MATCH, NO_MATCH, UNSURE = "open", "match", "no_match", "unsure"
ALERT_STATES = (OPEN, MATCH, NO_MATCH, UNSURE)
VERDICTS = (MATCH, NO_MATCH, UNSURE)


class WatchList(Base):
    __tablename__ = "intelligence_watch_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    sharing: Mapped[str] = mapped_column(String(16), default=PRIVATE)
    shared_role: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[WatchListEntry]] = relationship(
        back_populates="watch_list", order_by="WatchListEntry.id"
    )


class WatchListEntry(Base):
    """One watched person, company, conveyance or term. `data` holds what is compared (names,
    date of birth, nationalities, identifiers, terms) as entered; `label` is what lists show."""

    __tablename__ = "intelligence_watch_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("intelligence_watch_list.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=NOMINAL)
    note: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOMINAL)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    watch_list: Mapped[WatchList] = relationship(back_populates="entries")


class Alert(Base):
    """A watch-list entry matched a record. One per (entry, record): a later change of the
    record updates it; a `no_match` judgement keeps it closed, so the pair stays quiet."""

    __tablename__ = "intelligence_alert"
    __table_args__ = (
        UniqueConstraint("entry_id", "entity_type", "entity_id"),
        Index("ix_intelligence_alert_record", "entity_type", "entity_id"),
        Index("ix_intelligence_alert_list", "list_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("intelligence_watch_list.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("intelligence_watch_entry.id", ondelete="CASCADE")
    )
    module: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    # The permission a reader needs to see the record (its type's view permission).
    view_permission: Mapped[str] = mapped_column(String(100), info=DERIVED)
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, info=NOMINAL)
    matched_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    record_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    hits: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the alert was announced to its list's owner (`intelligence.alert_raised` outbox
    # topic, for messaging): once the owner may see the record, once per alert.
    announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    judgements: Mapped[list[Judgement]] = relationship(
        back_populates="alert", order_by="Judgement.id", cascade="all, delete-orphan"
    )


class Judgement(Base):
    """An analyst's verdict on an alert: match, no match or unsure; all are kept."""

    __tablename__ = "intelligence_judgement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("intelligence_alert.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOMINAL)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    alert: Mapped[Alert] = relationship(back_populates="judgements")


class Revision(Base):
    """One row per counter; `watch` goes up with every change of a watch list or entry, so
    each process rebuilds its watch index when it sees a number it has not built."""

    __tablename__ = "intelligence_revision"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class MatchKey(Base):
    """A record's blocking keys (`core.matching.index.keys_of`), kept current by screening and
    rebuilt by `ncen xref`: `matches(id)` finds its candidates here without a scan. Keys derive
    from names and identifiers, hence nominal; they go with the record."""

    __tablename__ = "intelligence_match_key"
    __table_args__ = (Index("ix_intelligence_match_key_key", "key"),)

    # The primary key (record, key) also finds a record's keys: no other index to keep.
    entity_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True, info=NOMINAL | DERIVED)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class Match(Base):
    """A pair of records `ncen xref` found to match, with its explanation. `left` is the
    record of the cross-referenced module; the pair is stored once."""

    __tablename__ = "intelligence_match"
    __table_args__ = (
        UniqueConstraint("left_type", "left_id", "right_type", "right_id"),
        Index("ix_intelligence_match_right", "right_type", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module: Mapped[str] = mapped_column(String(64), index=True)
    left_type: Mapped[str] = mapped_column(String(64))
    left_id: Mapped[str] = mapped_column(String(64))
    right_type: Mapped[str] = mapped_column(String(64))
    right_id: Mapped[str] = mapped_column(String(64))
    left_permission: Mapped[str] = mapped_column(String(100))
    right_permission: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, info=NOMINAL)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedSearch(Base):
    """A search (text and filters) kept by its owner; with `alert`, records that come to match
    it raise alerts (`SearchHit` rows that are not the baseline)."""

    __tablename__ = "intelligence_saved_search"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, info=NOMINAL)
    modules: Mapped[list[str]] = mapped_column(JSONType, default=list)
    entity_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    alert: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchHit(Base):
    """A record a saved search found: the first run's hits are the baseline (seen, no alert);
    a record found by a later run is an alert on new data."""

    __tablename__ = "intelligence_search_hit"
    __table_args__ = (UniqueConstraint("search_id", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("intelligence_saved_search.id", ondelete="CASCADE")
    )
    module: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    baseline: Mapped[bool] = mapped_column(default=False)
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


MODELS: list[type[Base]] = [
    WatchList,
    WatchListEntry,
    Alert,
    Judgement,
    Revision,
    MatchKey,
    Match,
    SavedSearch,
    SearchHit,
]
