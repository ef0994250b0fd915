"""The attachment service of one instance: store uploads, attach them, list, authorise, erase.

Files are published before the row that names them is committed, under a per-hash lock that the
purge takes too, so a deduplicated file is never removed while a row still needs it. Removing
rows enqueues an outbox event in the same transaction; the relay removes the files after commit
when no row uses them any more (at least once, so a crash cannot leave an erased photo on disk).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments.content import make_content_store
from core.attachments.files import FileStore
from core.attachments.images import ProcessedImage, process_image
from core.attachments.models import Attachment
from core.attachments.owners import AttachmentOwner
from core.config import AttachmentSettings
from core.db import Database, utcnow
from core.errors import NcenError
from core.gql.errors import InputError
from core.outbox import OutboxEvent, enqueue

log = logging.getLogger("ncen.attachments")

PURGE_TOPIC = "core.attachments.purge"
UPLOAD_PERMISSION = "core.attachments.upload"
# Decoding a large photo takes up to ~200 MB; bound how many are decoded at once per process.
IMAGE_WORKERS = 2
GC_INTERVAL = 600.0  # seconds between two opportunistic collections of stale uploads
_LOCK_NAMESPACE = 7301004  # first key of pg_advisory_xact_lock(int, int) for attachment files


@dataclass(frozen=True)
class AttachmentInfo:
    """What modules and the API see of an attachment (never the file name: personal data)."""

    id: str
    sha256: str
    size: int
    media_type: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    entity_type: str | None
    entity_id: str | None
    uploaded_by: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Attachment) -> AttachmentInfo:
        return cls(
            id=row.id,
            sha256=row.sha256,
            size=row.size,
            media_type=row.media_type,
            width=row.width,
            height=row.height,
            thumb_width=row.thumb_width,
            thumb_height=row.thumb_height,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            uploaded_by=row.uploaded_by,
            created_at=row.created_at,
        )

    @property
    def url(self) -> str:
        return f"/attachments/{self.id}"

    @property
    def thumbnail_url(self) -> str:
        return f"/attachments/{self.id}/thumbnail"


def principal_user_id(principal: Any) -> int | None:
    """The user behind a principal, or None (anonymous, rejected or non-user principals)."""
    if not getattr(principal, "is_authenticated", False):
        return None
    user_id = getattr(principal, "user_id", None)
    return user_id if isinstance(user_id, int) else None


class AttachmentService:
    def __init__(
        self,
        db: Database,
        settings: AttachmentSettings,
        root: Path,
        owners: dict[str, AttachmentOwner],
    ) -> None:
        self.db = db
        self.settings = settings
        # Temporary upload files stay local; stored photos go where `storage` says.
        self.files = FileStore(root)
        self.content = make_content_store(settings.storage, db, self.files)
        self.owners = owners
        self._workers: asyncio.Semaphore | None = None
        self._next_gc = 0.0

    # --- uploads ---------------------------------------------------------------------------

    async def unattached_count(self, user_id: int) -> int:
        async with self.db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.uploaded_by == user_id, Attachment.entity_type.is_(None))
            )
        return int(count or 0)

    async def process(self, path: Path) -> ProcessedImage:
        """Check and re-encode an uploaded file off the event loop (raises ImageRejected)."""
        if self._workers is None:
            self._workers = asyncio.Semaphore(IMAGE_WORKERS)
        async with self._workers:
            return await asyncio.to_thread(
                process_image,
                path,
                max_pixels=self.settings.max_pixels,
                thumbnail_size=self.settings.thumbnail_size,
            )

    async def store(
        self, image: ProcessedImage, *, filename: str | None, uploaded_by: int | None
    ) -> AttachmentInfo:
        """Publish the files (once per content) and record an unattached upload."""
        row = Attachment(
            id=uuid.uuid4().hex,
            sha256=image.sha256,
            size=len(image.data),
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            thumb_width=image.thumb_width,
            thumb_height=image.thumb_height,
            filename=filename,
            uploaded_by=uploaded_by,
            created_at=utcnow(),
        )
        async with self.db.transaction() as session:
            await self._lock_content(session, image.sha256)
            await self.content.put(session, image.sha256, image.data, image.thumbnail)
            session.add(row)
        await self.collect_garbage_if_due()
        return AttachmentInfo.of(row)

    # --- the API modules use ---------------------------------------------------------------

    async def attach(
        self,
        session: AsyncSession,
        attachment_id: str,
        entity_type: str,
        entity_id: str | int,
        actor: Any,
        *,
        field: str = "attachmentId",
    ) -> AttachmentInfo:
        """Give an upload of `actor` to a record, inside the caller's write transaction.

        Only the uploader's own, still unattached uploads can be attached: an id seen elsewhere
        cannot be used to copy another record's photo onto a record the caller may read.
        """
        if entity_type not in self.owners:
            raise ValueError(f"entity type {entity_type!r} is not declared as attachment owner")
        user_id = principal_user_id(actor)
        row = await session.scalar(
            select(Attachment).where(Attachment.id == str(attachment_id)).with_for_update()
        )
        if row is None or user_id is None or row.uploaded_by != user_id:
            raise InputError("no such upload of yours (uploads expire if not used)", field=field)
        if row.entity_type is not None:
            raise InputError("this upload is already attached to a record", field=field)
        row.entity_type, row.entity_id = entity_type, str(entity_id)
        row.attached_at = utcnow()
        await session.flush()
        return AttachmentInfo.of(row)

    async def adopt(
        self, session: AsyncSession, attachment_id: str, entity_type: str, entity_id: str | int
    ) -> AttachmentInfo:
        """Give a record an upload the instance stored itself (`store(..., uploaded_by=None)`:
        a photo received from a connected instance), inside the caller's write transaction.
        Users' uploads go through `attach`, which checks who uploaded them."""
        if entity_type not in self.owners:
            raise ValueError(f"entity type {entity_type!r} is not declared as attachment owner")
        row = await session.scalar(
            select(Attachment).where(Attachment.id == str(attachment_id)).with_for_update()
        )
        if row is None or row.uploaded_by is not None or row.entity_type is not None:
            raise ValueError(f"{attachment_id!r} is not an unattached upload of the instance")
        row.entity_type, row.entity_id = entity_type, str(entity_id)
        row.attached_at = utcnow()
        await session.flush()
        return AttachmentInfo.of(row)

    async def replace(
        self,
        session: AsyncSession,
        entity_type: str,
        entity_id: str | int,
        wanted: Sequence[str],
        actor: Any,
        *,
        field: str,
    ) -> bool:
        """Make a record's photos exactly `wanted`: attach the actor's new uploads, erase the
        ones left out. True if anything changed."""
        if len(set(wanted)) != len(wanted):
            raise InputError("a photo is listed twice", field=field)
        current = {item.id for item in (await self.list_for(session, entity_type, [entity_id]))[0]}
        for index, photo_id in enumerate(wanted):
            if photo_id not in current:
                await self.attach(
                    session, photo_id, entity_type, entity_id, actor, field=f"{field}[{index}]"
                )
        removed = sorted(current - set(wanted))
        await self.remove(session, removed)
        return bool(removed) or any(photo_id not in current for photo_id in wanted)

    async def list_for(
        self, session: AsyncSession, entity_type: str, ids: Sequence[str | int]
    ) -> list[list[AttachmentInfo]]:
        """The attachments of each record, in the order of `ids` (one query: DataLoader-ready)."""
        keys = [str(i) for i in ids]
        found: dict[str, list[AttachmentInfo]] = {key: [] for key in keys}
        if keys:
            rows = await session.scalars(
                select(Attachment)
                .where(Attachment.entity_type == entity_type, Attachment.entity_id.in_(set(keys)))
                .order_by(Attachment.created_at, Attachment.id)
            )
            for row in rows:
                found[row.entity_id or ""].append(AttachmentInfo.of(row))
        return [found[key] for key in keys]

    async def erase(self, session: AsyncSession, entity_type: str, entity_id: str | int) -> int:
        """Erase every attachment of a record: rows now, files after commit if unused."""
        return await self._delete_where(
            session, Attachment.entity_type == entity_type, Attachment.entity_id == str(entity_id)
        )

    async def remove(self, session: AsyncSession, attachment_ids: Sequence[str]) -> int:
        """Erase chosen attachments (a photo taken off a record)."""
        if not attachment_ids:
            return 0
        return await self._delete_where(session, Attachment.id.in_(list(attachment_ids)))

    async def _delete_where(self, session: AsyncSession, *where: ColumnElement[bool]) -> int:
        hashes = (
            await session.scalars(
                delete(Attachment).where(*where).returning(Attachment.sha256),
                execution_options={"synchronize_session": False},
            )
        ).all()
        if hashes:
            enqueue(session, PURGE_TOPIC, {"hashes": sorted(set(hashes))})
        return len(hashes)

    # --- reading -----------------------------------------------------------------------------

    async def get(self, session: AsyncSession, attachment_id: str) -> Attachment | None:
        return await session.get(Attachment, attachment_id)

    async def may_read(self, session: AsyncSession, principal: Any, row: Attachment) -> bool:
        """An unattached upload is its uploader's; an attached one follows its record's rules."""
        if row.entity_type is None:
            user_id = principal_user_id(principal)
            return user_id is not None and user_id == row.uploaded_by
        owner = self.owners.get(row.entity_type)
        if owner is None or (owner.permission and not principal.can(owner.permission)):
            return False
        if owner.can_read is None:
            return True
        entity_id = row.entity_id or ""
        return entity_id in await owner.can_read(session, principal, [entity_id])

    # --- removal of files and of stale uploads ----------------------------------------------

    async def handle_purge(self, events: Sequence[OutboxEvent]) -> None:
        """Outbox handler: remove the files of hashes that no row uses any more (idempotent)."""
        hashes = sorted({h for event in events for h in event.payload.get("hashes", [])})
        for sha256 in hashes:
            async with self.db.transaction() as session:
                await self._lock_content(session, sha256)
                users = await session.scalar(
                    select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha256)
                )
                if not users:
                    await self.content.remove(session, sha256)

    async def collect_garbage(self) -> int:
        """Erase uploads never attached within `unattached_hours`."""
        cutoff = utcnow() - dt.timedelta(hours=self.settings.unattached_hours)
        async with self.db.transaction() as session:
            count = await self._delete_where(
                session, Attachment.entity_type.is_(None), Attachment.created_at < cutoff
            )
        if count:
            log.info("erased %d upload(s) never attached to a record", count)
        return count

    async def collect_garbage_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_gc:
            return
        self._next_gc = now + GC_INTERVAL
        try:
            await self.collect_garbage()
        except Exception:  # housekeeping must not fail the upload that triggered it
            log.exception("collecting stale uploads failed")

    async def copy_files_to_database(self) -> tuple[int, int]:
        """Copy the photos still stored as files (before the switch to the database store)
        into the database; idempotent. Returns (copied, missing: named by a row, in neither)."""
        from core.attachments.content import DatabaseContentStore

        content = self.content
        if not isinstance(content, DatabaseContentStore):
            raise NcenError(
                "photos are stored as files here: set [ncen.attachments] storage to "
                "database (the default on PostgreSQL) first"
            )
        async with self.db.session() as session:
            hashes = (await session.scalars(select(Attachment.sha256).distinct())).all()
        copied = missing = 0
        for sha256 in sorted(hashes):
            async with self.db.transaction() as session:
                await self._lock_content(session, sha256)
                if await content.stored_in_database(session, sha256):
                    continue
                if not await asyncio.to_thread(self.files.has, sha256):
                    missing += 1
                    continue
                data = await asyncio.to_thread(self.files.path(sha256).read_bytes)
                thumb = await asyncio.to_thread(self.files.thumbnail_path(sha256).read_bytes)
                await content.put(session, sha256, data, thumb)
                copied += 1
        return copied, missing

    async def _lock_content(self, session: AsyncSession, sha256: str) -> None:
        """Serialise publishing and removing the files of one hash (SQLite write transactions
        are serialised already by BEGIN IMMEDIATE)."""
        if self.db.is_sqlite:
            return
        key = int(sha256[:8], 16) - 2**31
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _LOCK_NAMESPACE, "key": key}
        )
