"""Files of the data directory are the server's alone: 0700 directories, 0600 files.

The database, the search index, uploaded photos, the instance key and the demo logins hold
personal data or secrets; with the usual umask (022) they were made readable by every account
of the machine. The server process makes everything with umask 077, and at start-up the data
directory itself (which no one else can then enter) and the database files are set to what
they should be, in case an older version or another tool made them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from core.config import Config

PRIVATE_UMASK = 0o077


def restrict_umask() -> None:
    """Everything this process creates from now on is private to its user."""
    os.umask(PRIVATE_UMASK)


def secure_data_dir(config: Config) -> None:
    """Make (or tighten) the data directory and the SQLite database files."""
    restrict_umask()
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(config.data_dir, 0o700)
    for directory in (config.search_dir, config.attachments_dir):
        if directory.is_dir():
            _chmod(directory, 0o700)
    if config.is_sqlite:
        database = make_url(config.database_url).database
        if database and database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                path = Path(database + suffix)
                if path.exists():
                    _chmod(path, 0o600)


def _chmod(path: Path, mode: int) -> None:
    # Not ours to change (another owner, a read-only mount): leave it, the umask still holds.
    with contextlib.suppress(PermissionError):
        os.chmod(path, mode)
