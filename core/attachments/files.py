"""Content-addressed files: `<root>/<sha256[:2]>/<sha256>` plus `<sha256>.thumb.jpg` beside it.

Writes are atomic (temporary file in `<root>/tmp`, fsync, rename, fsync of the directory), so a
reader never sees half a file and a crash leaves at worst a stray temporary file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"

    def ensure_dirs(self) -> None:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def thumbnail_path(self, sha256: str) -> Path:
        return self.path(sha256).with_name(f"{sha256}.thumb.jpg")

    @contextlib.contextmanager
    def temp_file(self) -> Iterator[tuple[Path, int]]:
        """A temporary file on the store's own file system (so a rename can publish it),
        removed on exit whatever happens."""
        self.ensure_dirs()
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
        try:
            yield Path(name), fd
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def write_atomic(self, target: Path, data: bytes) -> None:
        """Publish `data` at `target`; an existing file with that name is replaced whole."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.temp_file() as (tmp, fd):
            with os.fdopen(fd, "wb", closefd=False) as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        _fsync_dir(target.parent)

    def put(self, sha256: str, data: bytes, thumbnail: bytes) -> None:
        """Store a file and its thumbnail unless both are already there (deduplication)."""
        for target, content in (
            (self.path(sha256), data),
            (self.thumbnail_path(sha256), thumbnail),
        ):
            if not target.is_file():
                self.write_atomic(target, content)

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file() and self.thumbnail_path(sha256).is_file()

    def remove(self, sha256: str) -> None:
        for target in (self.path(sha256), self.thumbnail_path(sha256)):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
        _fsync_dir(self.path(sha256).parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
