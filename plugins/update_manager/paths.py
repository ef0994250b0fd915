"""Where the update manager keeps its files: `<data_dir>/updates/`.

updates/
  tuf/             the TUF client's trusted metadata (root history, timestamp, snapshot, targets)
  media/           a verified copy of the last repository read from removable media (--from)
  downloads/       verified bundles, by target path
  work/<id>/       a bundle unpacked for one apply
  wheels/          every wheel installed by an update, to rebuild environments offline
  versions/<id>/   side-by-side environments: venv/, bin/ncen, environment.json
  current          symlink to the active versions/<id> (absent: the base installation)
  backups/<id>/    the database (and search index) as they were before an apply
  journal.json     the apply in progress (absent when none); finished ones in journal/
  available.json   the releases the last check verified
  launcher.pid     the pid of `ncen-launcher serve`, while it runs
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import Config


@dataclass(frozen=True)
class UpdatePaths:
    root: Path

    @classmethod
    def of(cls, config: Config) -> UpdatePaths:
        return cls(config.data_dir / "updates")

    @property
    def tuf(self) -> Path:
        return self.root / "tuf"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def wheels(self) -> Path:
        return self.root / "wheels"

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def journal(self) -> Path:
        return self.root / "journal.json"

    @property
    def journal_archive(self) -> Path:
        return self.root / "journal"

    @property
    def available(self) -> Path:
        return self.root / "available.json"

    @property
    def launcher_pid(self) -> Path:
        return self.root / "launcher.pid"

    @property
    def apply_lock(self) -> Path:
        return self.root / "apply.lock"

    @property
    def check_lock(self) -> Path:
        return self.root / "check.lock"


def write_json(path: Path, value: Any) -> None:
    """Write atomically and durably: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2, sort_keys=True, default=str)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new directory entry durable."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(path: Path) -> int | None:
    """The pid recorded in `path` if that process still runs."""
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None
