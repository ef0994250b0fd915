"""Sharing's tables: validators' checks (free text, photos) and the log of what left.

`core_sharing_checked_text`: a validator's non-nominal version of one free text of a record,
bound to the SHA-256 of the text they read (an edit of the original voids it).
`core_sharing_photo_check`: a validator's verdict on one photo: shows no person, or does.
`core_sharing_export`: one row per payload queued for a peer (the global database), with its
status: pending -> sent -> acknowledged, or failed (retried by the outbox).
`core_sharing_received`: global mode, what national instances sent, one row per record.
`core_sharing_peer_record`: a record a connected national instance shared under an agreement
(`shareRecord` there), read-only, with its provenance, until an officer imports or links it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, utcnow

EXPORT_KINDS = ("submission", "correction", "withdrawal")
EXPORT_STATUSES = ("pending", "sent", "acknowledged", "failed")
GLOBAL_PEER = "global"


class CheckedText(Base):
    __tablename__ = "core_sharing_checked_text"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))  # `narrative`, `goods.0.description`
    # Non-nominal by a validator's check: what travels in place of the free text.
    text: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    checked_by: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "path"),)


class PhotoCheck(Base):
    __tablename__ = "core_sharing_photo_check"

    attachment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("core_attachment.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64))  # the bytes the validator saw
    shows_no_person: Mapped[bool] = mapped_column(Boolean)
    checked_by: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportEntry(Base):
    __tablename__ = "core_sharing_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(64), default=GLOBAL_PEER)
    entity_type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(64))
    record_version: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # EXPORT_KINDS
    status: Mapped[str] = mapped_column(String(16), default="pending")  # EXPORT_STATUSES
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queued_by: Mapped[str | None] = mapped_column(String(200))  # actor name, or "ncen"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_core_sharing_export_record", "peer", "entity_type", "entity_id"),
        Index("ix_core_sharing_export_status", "status", "id"),
    )


class ReceivedRecord(Base):
    """Global mode: the non-nominal payload of a national instance's record, as last received.
    Read-only: corrections replace it, a withdrawal empties it."""

    __tablename__ = "core_sharing_received"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(64))  # the peer, as icomm names it
    sender_country: Mapped[str] = mapped_column(String(2), index=True)
    entity_type: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # None once withdrawn
    payload_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("sender", "entity_type", "source_id"),
        Index("ix_core_sharing_received_type", "entity_type", "id"),
    )


PEER_RECORD_STATUSES = ("received", "imported", "linked", "erased")


class PeerRecord(Base):
    """A record a national peer shared with this instance under an agreement: read-only, with
    its provenance (country, sender instance, the agreement, when). `data` is the sender's
    non-nominal projection; `fields` the whole record as input paths when the agreement covers
    nominal data (what an import fills), else None."""

    __tablename__ = "core_sharing_peer_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    share_uid: Mapped[str] = mapped_column(String(36))  # the sender's share id
    sender: Mapped[str] = mapped_column(String(64))  # the peer, as icomm names it
    sender_key_id: Mapped[str] = mapped_column(String(16))
    sender_country: Mapped[str | None] = mapped_column(String(2))
    agreement_reference: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    nominal: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    shared_by: Mapped[str | None] = mapped_column(String(200))  # the sender's user name
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="received")
    # The local record it was imported as, or linked to.
    local_type: Mapped[str | None] = mapped_column(String(100))
    local_id: Mapped[str | None] = mapped_column(String(64))
    handled_by: Mapped[str | None] = mapped_column(String(200))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("sender", "share_uid"),
        Index("ix_core_sharing_peer_record_type", "entity_type", "id"),
    )


MODELS: list[type[Base]] = [CheckedText, PhotoCheck, ExportEntry, ReceivedRecord, PeerRecord]
