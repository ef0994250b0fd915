"""The update manager's settings (`[ncen.module.update_manager]`), declared and read here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import Setting
from plugins.update_manager.backup import BackupSettings
from plugins.update_manager.errors import UpdateError

if TYPE_CHECKING:
    from core.instance import Instance

MODULE = "update_manager"
NONE = "none"
POLICIES = ("notify", "data", "all")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def declarations() -> list[Setting]:
    return [
        Setting(
            "repository_url",
            str,
            NONE,
            "Base URL (https://...) or directory of the update repository; `none`: updates "
            "come only from a directory given with `--from`.",
        ),
        Setting(
            "trusted_root",
            str,
            "update-root.json",
            "The repository's trusted root metadata; a relative path is read from the "
            "directory of ncen.toml (the data directory without a configuration file).",
        ),
        Setting(
            "check_interval_minutes",
            int,
            1440,
            "How often a serving instance checks for updates; 0 turns the check off.",
            minimum=0,
            maximum=10080,
        ),
        Setting(
            "policy",
            str,
            "notify",
            "What the periodic check does with what it finds: `notify` (report only), `data` "
            "(also apply data-only updates), `all` (also apply application and module "
            "updates within the maintenance window, when served through ncen-launcher).",
            choices=POLICIES,
        ),
        Setting(
            "maintenance_window",
            str,
            "02:00-04:00",
            "Local time range (HH:MM-HH:MM, may span midnight) in which policy `all` applies.",
        ),
        Setting(
            "min_free_mb",
            int,
            512,
            "Free disk space (MiB) an apply must leave, besides the backup and the new "
            "environment.",
            minimum=0,
            maximum=10_000_000,
        ),
        Setting(
            "health_timeout_seconds",
            int,
            90,
            "How long the new version may take to answer /readyz on its spare port.",
            minimum=5,
            maximum=3600,
        ),
        Setting(
            "keep_versions",
            int,
            2,
            "Side-by-side environments kept besides the active one (for `ncen update rollback`).",
            minimum=1,
            maximum=20,
        ),
        Setting(
            "backup_command",
            str,
            NONE,
            "PostgreSQL without pg_dump: a command that writes a backup to `{file}` "
            "(database URL in NCEN_DATABASE_URL).",
        ),
        Setting(
            "restore_command",
            str,
            NONE,
            "PostgreSQL without psql: a command that restores the backup `{file}`.",
        ),
    ]


@dataclass(frozen=True)
class UpdateSettings:
    repository_url: str
    trusted_root: Path
    check_interval_minutes: int
    policy: str
    maintenance_window: tuple[dt.time, dt.time]
    min_free_mb: int
    health_timeout_seconds: int
    keep_versions: int
    backup: BackupSettings

    @property
    def repository(self) -> str | None:
        return None if self.repository_url == NONE else self.repository_url

    def in_window(self, now: dt.datetime) -> bool:
        start, end = self.maintenance_window
        moment = now.time()
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end


def parse_window(value: str) -> tuple[dt.time, dt.time]:
    match = _WINDOW.match(value.strip())
    if not match:
        raise UpdateError(
            f"ncen.module.update_manager.maintenance_window: {value!r} is not HH:MM-HH:MM"
        )
    a, b, c, d = (int(group) for group in match.groups())
    return dt.time(a, b), dt.time(c, d)


def update_settings(instance: Instance) -> UpdateSettings:
    values = instance.settings(MODULE)
    root = Path(values.trusted_root).expanduser()
    if not root.is_absolute():
        source = instance.config.source
        base = Path(source).resolve().parent if source != "defaults" else instance.config.data_dir
        root = base / root
    return UpdateSettings(
        repository_url=values.repository_url,
        trusted_root=root,
        check_interval_minutes=values.check_interval_minutes,
        policy=values.policy,
        maintenance_window=parse_window(values.maintenance_window),
        min_free_mb=values.min_free_mb,
        health_timeout_seconds=values.health_timeout_seconds,
        keep_versions=values.keep_versions,
        backup=BackupSettings(values.backup_command, values.restore_command),
    )
