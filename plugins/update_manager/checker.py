"""The periodic check of a serving instance, and its policy:

- `notify`: verify what the repository offers and report it (log, `updateStatus`,
  `availableUpdates`);
- `data`: also apply data-only releases at once, in one transaction, without a restart;
- `all`: also request application and module releases inside the maintenance window, when the
  server runs under ncen-launcher (which stops it, applies, and starts the new version).

With several worker processes, one check runs at a time per data directory (a file lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
from typing import TYPE_CHECKING

from core.audit.writer import SYSTEM
from plugins.update_manager import service
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.settings import update_settings

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.update_manager")
TASK_KEY = "update_manager.checker"
FIRST_CHECK_DELAY = 60.0


async def run_once(instance: Instance, now: dt.datetime | None = None) -> list[str]:
    """One check and what the policy does with it; returns what it did, one line each."""
    settings = update_settings(instance)
    paths = service.paths_of(instance)
    with open(paths.check_lock, "a+") as handle:  # noqa: ASYNC230 (a lock file, no I/O)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return ["another process is checking"]
        found = await service.check(instance)
        done: list[str] = []
        applicable = [c.manifest for c in found if c.applicable]
        for manifest in applicable:
            done.append(f"available: {manifest.key} ({manifest.kind})")
        source = service.source_for(instance)
        if settings.policy in ("data", "all"):
            for manifest in _newest_per_line(m for m in applicable if m.kind == "data"):
                outcome = await service.apply(instance, manifest, SYSTEM, source=source)
                done.append(outcome.message)
        code = [m for m in applicable if m.changes_code]
        moment = now or dt.datetime.now()
        if settings.policy == "all" and code and settings.in_window(moment):
            if service.launcher_pid(paths) is None:
                done.append("policy `all`: not served through ncen-launcher, nothing requested")
            else:
                manifest = service.newest_applicable([c for c in found if c.manifest.changes_code])
                if manifest is not None:
                    await service.request(instance, manifest, SYSTEM, source)
                    done.append(f"requested {manifest.key}: the launcher applies it now")
        for line in done:
            log.info("update check: %s", line)
        return done


def _newest_per_line(manifests) -> list:  # type: ignore[no-untyped-def]
    newest: dict[str, service.Manifest] = {}
    for manifest in manifests:
        kept = newest.get(manifest.name)
        if kept is None or manifest.parsed_version() > kept.parsed_version():
            newest[manifest.name] = manifest
    return list(newest.values())


async def _loop(instance: Instance, interval: float, first_delay: float) -> None:
    await asyncio.sleep(first_delay)
    while True:
        try:
            await run_once(instance)
        except UpdateError as exc:
            log.warning("update check: %s", exc)
        except Exception:
            log.exception("update check failed")
        await asyncio.sleep(interval)


def start(instance: Instance, first_delay: float = FIRST_CHECK_DELAY) -> None:
    minutes = update_settings(instance).check_interval_minutes
    if minutes > 0:
        instance.state[TASK_KEY] = asyncio.create_task(_loop(instance, minutes * 60, first_delay))


async def stop(instance: Instance) -> None:
    task = instance.state.pop(TASK_KEY, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
