"""The database as it was before an apply, and putting it back.

- SQLite: the online backup API (`sqlite3.Connection.backup`), both ways: a consistent copy
  while other connections may be open, and a restore into the live file that readers of the
  same file see at once.
- PostgreSQL: `pg_dump` (plain SQL) and, to restore, `psql --single-transaction` dropping and
  re-creating the `public` schema first (tables a failed migration created go too). Without the
  PostgreSQL client programs, the `backup_command` and `restore_command` settings are run
  instead (with `{file}` replaced by the backup file and the database URL in
  `NCEN_DATABASE_URL`); with neither, an apply is refused at pre-flight.

The search index directory is copied alongside, so a restored database and its index agree.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from core.config import Config
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.processes import run_checked

NONE = "none"


@dataclass(frozen=True)
class BackupSettings:
    backup_command: str = NONE
    restore_command: str = NONE


def _sqlite_path(config: Config) -> Path:
    database = make_url(config.database_url).database
    if not database or database == ":memory:":
        raise UpdateError("an in-memory database cannot be backed up")
    return Path(database)


def _libpq(config: Config) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (kept out of process lists) and the environment."""
    url = make_url(config.database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def check_possible(config: Config, settings: BackupSettings) -> str:
    """How the database will be backed up; an UpdateError when it cannot be."""
    if config.is_sqlite:
        return "sqlite online backup"
    if shutil.which("pg_dump") and shutil.which("psql"):
        return "pg_dump"
    if settings.backup_command != NONE and settings.restore_command != NONE:
        return "backup_command"
    raise UpdateError(
        "cannot back up PostgreSQL: install the PostgreSQL client programs (pg_dump, psql) or "
        "set backup_command and restore_command in [ncen.module.update_manager]"
    )


def database_size(config: Config) -> int:
    if config.is_sqlite:
        path = _sqlite_path(config)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    return 0  # the server's disk, not ours; a plain dump is about the size of the data


def backup(config: Config, settings: BackupSettings, into: Path) -> Path:
    """Copy the database (and the search index) into the directory `into`."""
    into.mkdir(parents=True, exist_ok=True)
    if config.is_sqlite:
        target = into / "ncen.db"
        source = sqlite3.connect(_sqlite_path(config))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        target = into / "ncen.sql"
        uri, env = _libpq(config)
        if check_possible(config, settings) == "pg_dump":
            run_checked(
                ["pg_dump", "--no-owner", "--no-privileges", "--file", str(target), uri],
                what="pg_dump",
                env=env,
            )
        else:
            _hook(settings.backup_command, target, config, "backup_command")
    if config.search_dir.is_dir():
        shutil.copytree(config.search_dir, into / "search", dirs_exist_ok=True)
    (into / "COMPLETE").write_text("backup complete\n")
    return target


def is_complete(into: Path) -> bool:
    return (into / "COMPLETE").exists()


def restore(config: Config, settings: BackupSettings, into: Path) -> None:
    """Put the database (and the search index) back as they were in the backup `into`."""
    if not is_complete(into):
        raise UpdateError(f"backup {into} is incomplete: the database cannot be restored from it")
    if config.is_sqlite:
        copy = sqlite3.connect(into / "ncen.db")
        live = sqlite3.connect(_sqlite_path(config), timeout=60)
        try:
            copy.backup(live)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
            copy.close()
    else:
        dump = into / "ncen.sql"
        uri, env = _libpq(config)
        if check_possible(config, settings) == "pg_dump":
            run_checked(
                [
                    "psql",
                    "--no-psqlrc",
                    "--quiet",
                    "--single-transaction",
                    "--set",
                    "ON_ERROR_STOP=1",
                    "--command",
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
                    "--file",
                    str(dump),
                    uri,
                ],
                what="restoring the database with psql",
                env=env,
            )
        else:
            _hook(settings.restore_command, dump, config, "restore_command")
    if (into / "search").is_dir():
        staging = config.search_dir.with_name(config.search_dir.name + ".restore")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(into / "search", staging)
        shutil.rmtree(config.search_dir, ignore_errors=True)
        staging.rename(config.search_dir)


def _hook(command: str, file: Path, config: Config, name: str) -> None:
    args = [part.replace("{file}", str(file)) for part in shlex.split(command)]
    env = {**os.environ, "NCEN_DATABASE_URL": config.database_url}
    run_checked(args, what=f"{name} ({args[0]})", env=env)
