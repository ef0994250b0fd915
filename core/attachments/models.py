"""`core_attachment`: one row per upload; several rows may share one content-addressed file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import NOMINAL, Base, UTCDateTime, utcnow


class Attachment(Base):
    __tablename__ = "core_attachment"

    # Random (uuid4 hex), so that an id in a URL reveals nothing about how many uploads exist.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (re-encoded) bytes
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    # The client's file name is often a person's name ("smith_passport.jpg"): personal data.
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True, info=NOMINAL)
    # Null until a module attaches the upload to one of its records.
    entity_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # core_user.id of the uploader; no foreign key, so that the store does not depend on
    # how accounts are kept (users are deactivated, not deleted).
    uploaded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_core_attachment_entity", "entity_type", "entity_id"),
        Index("ix_core_attachment_sha256", "sha256"),
        Index("ix_core_attachment_uploader", "uploaded_by", "entity_type"),
    )


class AttachmentChunk(Base):
    """`core_attachment_chunk`: the bytes of a stored file in the database, in chunks.

    Used when `[ncen.attachments] storage` is `database` (the default on PostgreSQL): several
    app servers then share photos without a shared disk. `kind` is `file` or `thumb`; chunks
    are read one at a time, so serving a photo never holds it whole in memory.
    """

    __tablename__ = "core_attachment_chunk"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
