"""Where the bytes of stored photos live: files under the data dir, or chunks in the database.

`[ncen.attachments] storage` chooses; `auto` is the database on PostgreSQL, so that every app
server of an instance reads and writes the same photos with no shared disk, and files on
SQLite (one host by nature). Both stores are content-addressed (one copy per sha256, shared
by every row naming it) and are written and removed under the attachment service's per-hash
lock; the database store writes in the uploading transaction itself, so a photo's bytes
exist exactly when a committed row can name them.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments.files import FileStore
from core.attachments.models import AttachmentChunk
from core.db import Database

# 256 KiB: a 20 MiB photo is 80 rows; each read is one short query on its own connection.
CHUNK_BYTES = 256 * 1024
FILE, THUMBNAIL = "file", "thumb"


@dataclass(frozen=True)
class StoredContent:
    """What a download sends: a local file (`path`), or `chunks()` read as they are sent."""

    size: int
    path: Path | None = None
    chunks: Callable[[], AsyncIterator[bytes]] | None = None


class ContentStore(ABC):
    name: str

    @abstractmethod
    async def put(self, session: AsyncSession, sha256: str, data: bytes, thumbnail: bytes) -> None:
        """Store the file and its thumbnail unless they are there already (deduplication)."""

    @abstractmethod
    async def remove(self, session: AsyncSession, sha256: str) -> None:
        """Remove the file and its thumbnail (no row names the hash any more)."""

    @abstractmethod
    async def has(self, sha256: str) -> bool:
        """Whether both the file and its thumbnail are stored."""

    @abstractmethod
    async def open(self, sha256: str, *, thumbnail: bool) -> StoredContent | None:
        """The stored bytes to serve, or None if they are missing."""

    async def read(self, sha256: str) -> bytes:
        """The whole file, wherever it is stored (to send it on: icomm's envelopes)."""
        stored = await self.open(sha256, thumbnail=False)
        if stored is None:
            raise FileNotFoundError(f"the content of attachment {sha256[:12]} is missing")
        if stored.path is not None:
            return await asyncio.to_thread(stored.path.read_bytes)
        assert stored.chunks is not None
        return b"".join([chunk async for chunk in stored.chunks()])


class FileContentStore(ContentStore):
    """`<data_dir>/attachments/<sha256[:2]>/<sha256>` (see files.py)."""

    name = "files"

    def __init__(self, files: FileStore) -> None:
        self.files = files

    async def put(self, session: AsyncSession, sha256: str, data: bytes, thumbnail: bytes) -> None:
        await asyncio.to_thread(self.files.put, sha256, data, thumbnail)

    async def remove(self, session: AsyncSession, sha256: str) -> None:
        await asyncio.to_thread(self.files.remove, sha256)

    async def has(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.files.has, sha256)

    async def open(self, sha256: str, *, thumbnail: bool) -> StoredContent | None:
        path = self.files.thumbnail_path(sha256) if thumbnail else self.files.path(sha256)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None
        return StoredContent(size=size, path=path)


class DatabaseContentStore(ContentStore):
    """`core_attachment_chunk` rows of the instance's database.

    Photos stored as files before the switch to the database are still served from the data
    dir (and removed from it when erased) until `ncen attachments to-database` moves them.
    """

    name = "database"

    def __init__(self, db: Database, legacy: FileStore) -> None:
        self.db = db
        self.legacy = FileContentStore(legacy)

    async def put(self, session: AsyncSession, sha256: str, data: bytes, thumbnail: bytes) -> None:
        for kind, content in ((FILE, data), (THUMBNAIL, thumbnail)):
            stored = await session.scalar(
                select(func.count())
                .select_from(AttachmentChunk)
                .where(AttachmentChunk.sha256 == sha256, AttachmentChunk.kind == kind)
            )
            if stored:
                continue
            # At least one chunk, even for empty content, so that "stored" is one lookup.
            starts = range(0, max(len(content), 1), CHUNK_BYTES)
            session.add_all(
                AttachmentChunk(
                    sha256=sha256, kind=kind, seq=seq, data=content[start : start + CHUNK_BYTES]
                )
                for seq, start in enumerate(starts)
            )
        await session.flush()

    async def stored_in_database(self, session: AsyncSession, sha256: str) -> bool:
        kinds = await session.scalars(
            select(AttachmentChunk.kind)
            .where(AttachmentChunk.sha256 == sha256, AttachmentChunk.seq == 0)
            .distinct()
        )
        return set(kinds) == {FILE, THUMBNAIL}

    async def remove(self, session: AsyncSession, sha256: str) -> None:
        await session.execute(delete(AttachmentChunk).where(AttachmentChunk.sha256 == sha256))
        await self.legacy.remove(session, sha256)

    async def _stored(self, sha256: str, kind: str) -> tuple[int, int]:
        """(chunks, bytes) stored for one kind of one hash."""
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(
                        func.count(), func.coalesce(func.sum(func.length(AttachmentChunk.data)), 0)
                    ).where(AttachmentChunk.sha256 == sha256, AttachmentChunk.kind == kind)
                )
            ).one()
        return int(row[0]), int(row[1])

    async def has(self, sha256: str) -> bool:
        chunks = [(await self._stored(sha256, kind))[0] for kind in (FILE, THUMBNAIL)]
        return all(chunks) or await self.legacy.has(sha256)

    async def open(self, sha256: str, *, thumbnail: bool) -> StoredContent | None:
        kind = THUMBNAIL if thumbnail else FILE
        count, size = await self._stored(sha256, kind)
        if not count:
            return await self.legacy.open(sha256, thumbnail=thumbnail)

        async def chunks() -> AsyncIterator[bytes]:
            for seq in range(count):
                # A short read per chunk: a slow client never holds a connection of the pool.
                async with self.db.session() as session:
                    data = await session.scalar(
                        select(AttachmentChunk.data).where(
                            AttachmentChunk.sha256 == sha256,
                            AttachmentChunk.kind == kind,
                            AttachmentChunk.seq == seq,
                        )
                    )
                if data is None:  # erased while being sent
                    return
                yield bytes(data)

        return StoredContent(size=size, chunks=chunks)


def storage_name(storage: str, is_sqlite: bool) -> str:
    """What `[ncen.attachments] storage` chooses: `auto` is the database on PostgreSQL."""
    if storage == "auto":
        return "files" if is_sqlite else "database"
    return storage


def make_content_store(storage: str, db: Database, files: FileStore) -> ContentStore:
    if storage_name(storage, db.is_sqlite) == "database":
        return DatabaseContentStore(db, files)
    return FileContentStore(files)
