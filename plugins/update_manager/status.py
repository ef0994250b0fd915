"""What `ncen update status` and GraphQL `updateStatus` report."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from plugins.update_manager import environments, service
from plugins.update_manager.journal import Journal
from plugins.update_manager.models import APPLIED, UpdateHistory
from plugins.update_manager.paths import running_pid

if TYPE_CHECKING:
    from core.instance import Instance


@dataclass
class Status:
    active_environment: str
    running_environment: str
    ncen_version: str
    installed: list[str] = field(default_factory=list)  # "name version (kind)"
    in_progress: str | None = None
    in_progress_state: str | None = None
    launcher_pid: int | None = None
    last_check: str | None = None
    last_error: str | None = None
    available: list[str] = field(default_factory=list)
    policy: str = "notify"


async def status(instance: Instance) -> Status:
    paths = service.paths_of(instance)
    running = environments.running_environment(paths)
    info = Status(
        active_environment=environments.active_id(paths),
        running_environment=running.id,
        ncen_version=importlib.metadata.version("ncen"),
        launcher_pid=running_pid(paths.launcher_pid),
        policy=service.update_settings(instance).policy,
    )
    for name, version in sorted((running.installed or {}).items()):
        info.installed.append(f"{name} {version}")
    async with instance.db.session() as session:
        rows = await session.execute(
            sa.select(UpdateHistory.release_name, sa.func.max(UpdateHistory.id))
            .where(UpdateHistory.state == APPLIED, UpdateHistory.kind == "data")
            .group_by(UpdateHistory.release_name)
        )
        for name, last_id in rows:
            version = await session.scalar(
                sa.select(UpdateHistory.version).where(UpdateHistory.id == last_id)
            )
            info.installed.append(f"{name} {version} (data)")
    journal = Journal.current(paths)
    if journal is not None:
        info.in_progress = f"{journal.manifest.key}: {journal.state} (since {journal.started_at})"
        info.in_progress_state = journal.state
    checked = service.last_check(instance)
    info.last_check = checked.get("checked_at")
    info.last_error = checked.get("error")
    if checked.get("releases"):
        for candidate in await service.candidates(instance, service.known_releases(instance)):
            if candidate.applicable:
                info.available.append(f"{candidate.manifest.key} ({candidate.manifest.kind})")
    return info
