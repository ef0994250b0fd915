"""Checking, applying, recovering and rolling back updates of one instance.

Apply, journaled (journal.py): verify with TUF -> pre-flight (version chain, modules, disk,
backup possible) -> [data-only: the code lists in one transaction, done] -> backup -> a fresh
side-by-side environment with the release installed offline -> the enabled modules' migrations,
run by the new version -> health check of the new version on a spare port -> switch the active
environment. Any failure after the backup rolls back: the database and search index are
restored from the backup, the new environment is removed, the old one stays active. The caller
restarts the server (ncen-launcher does it by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from packaging.version import Version

from core.audit.writer import Actor, record
from core.codelists.registry import code_list_registry
from core.codelists.sources import CodeListFileError, ListData, read_list_file
from core.codelists.sync import apply_list_data
from plugins.update_manager import backup as backups
from plugins.update_manager import environments, health
from plugins.update_manager.bundle import unpack
from plugins.update_manager.errors import ApplyFailed, UpdateError
from plugins.update_manager.journal import DATABASE_TOUCHED, REQUESTED, ROLLED_BACK, Journal
from plugins.update_manager.manifest import KIND_ORDER, Manifest
from plugins.update_manager.models import APPLIED, UpdateHistory
from plugins.update_manager.models import ROLLED_BACK as HISTORY_ROLLED_BACK
from plugins.update_manager.paths import UpdatePaths, read_json, running_pid, write_json
from plugins.update_manager.processes import run_checked
from plugins.update_manager.settings import UpdateSettings, update_settings
from plugins.update_manager.trust import Client, Source, copy_media, trusted_root

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.update_manager")
ENTITY = "UpdateRelease"
SERVERS = "servers"


def paths_of(instance: Instance) -> UpdatePaths:
    paths = UpdatePaths.of(instance.config)
    paths.root.mkdir(parents=True, exist_ok=True)
    return paths


def actor_dict(actor: Actor) -> dict[str, Any]:
    return asdict(actor)


# --- sources and checks ---------------------------------------------------------------------


def source_for(instance: Instance, given: str | Path | None = None) -> Source:
    """`--from DIR` when given, else the configured repository, else the last media copied."""
    if given is not None:
        return Source(str(given))
    settings = update_settings(instance)
    if settings.repository:
        return Source(settings.repository)
    paths = paths_of(instance)
    if (paths.media / "metadata").is_dir():
        return Source(str(paths.media))
    raise UpdateError(
        "no update repository: set [ncen.module.update_manager] repository_url, or give a "
        "repository directory with --from DIR"
    )


def _client(instance: Instance, source: Source) -> Client:
    settings = update_settings(instance)
    return Client(paths_of(instance), trusted_root(settings.trusted_root), source)


@dataclass(frozen=True)
class Candidate:
    manifest: Manifest
    installed: str | None
    applicable: bool
    reason: str


async def check(instance: Instance, given: str | Path | None = None) -> list[Candidate]:
    """Verify the repository's releases (a media directory is copied into the data dir once
    it verified), remember them in available.json, and say which ones apply here."""
    paths = paths_of(instance)
    source = source_for(instance, given)
    checked_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        releases = await asyncio.to_thread(lambda: _client(instance, source).releases())
    except UpdateError as exc:
        previous = read_json(paths.available) or {}
        write_json(paths.available, {**previous, "error": str(exc), "checked_at": checked_at})
        raise
    if given is not None and source.is_directory:
        await asyncio.to_thread(copy_media, Path(source.location), paths)
        source = Source(str(paths.media))
    write_json(
        paths.available,
        {
            "checked_at": checked_at,
            "source": str(source),
            "error": None,
            "releases": [m.to_dict() for m in releases],
        },
    )
    return await candidates(instance, releases)


def last_check(instance: Instance) -> dict[str, Any]:
    return read_json(paths_of(instance).available) or {}


def known_releases(instance: Instance) -> list[Manifest]:
    return [Manifest.from_dict(m) for m in last_check(instance).get("releases", [])]


async def installed_version(instance: Instance, manifest: Manifest) -> str | None:
    """The installed version of a release line: a data line's from the history, a code line's
    from the running environment."""
    if manifest.kind == "data":
        async with instance.db.session() as session:
            versions = await session.scalars(
                sa.select(UpdateHistory.version).where(
                    UpdateHistory.release_name == manifest.name,
                    UpdateHistory.state == APPLIED,
                )
            )
            found = [Version(v) for v in versions]
        return str(max(found)) if found else None
    return environments.installed_version(
        manifest.name, environments.running_environment(paths_of(instance))
    )


def chain_problem(manifest: Manifest, installed: str | None) -> str | None:
    """Why a release cannot follow the installed version, or None."""
    if installed is not None and manifest.parsed_version() <= Version(installed):
        word = "older than" if manifest.parsed_version() < Version(installed) else "the same as"
        return f"{manifest.key} is {word} the installed version {installed}"
    if manifest.upgrades_from is not None:
        if installed is None:
            return f"{manifest.key} upgrades {manifest.name} {manifest.upgrades_from} or later, which is not installed"
        if Version(installed) < Version(manifest.upgrades_from):
            return (
                f"{manifest.key} upgrades from {manifest.upgrades_from} or later; installed is "
                f"{installed}: apply the releases in between first"
            )
    return None


async def candidates(instance: Instance, releases: list[Manifest]) -> list[Candidate]:
    found = []
    for manifest in sorted(
        releases, key=lambda m: (KIND_ORDER[m.kind], m.name, m.parsed_version())
    ):
        installed = await installed_version(instance, manifest)
        problem = chain_problem(manifest, installed)
        found.append(Candidate(manifest, installed, problem is None, problem or "applicable"))
    return found


def newest_applicable(found: list[Candidate]) -> Manifest | None:
    """The release `ncen update apply` takes without a name: code before data, the newest
    applicable version of the first line that has one."""
    applicable = [c.manifest for c in found if c.applicable]
    if not applicable:
        return None
    first = min(applicable, key=lambda m: (KIND_ORDER[m.kind], m.name))
    return max((m for m in applicable if m.name == first.name), key=lambda m: m.parsed_version())


def find_release(found: list[Candidate], name: str | None, version: str | None) -> Manifest:
    if name is None:
        manifest = newest_applicable(found)
        if manifest is None:
            raise UpdateError("no applicable update: everything available is installed")
        return manifest
    same = [c.manifest for c in found if c.manifest.name == name]
    if not same:
        raise UpdateError(f"the repository has no release named {name!r}")
    if version is None:
        return max(same, key=lambda m: m.parsed_version())
    for manifest in same:
        if manifest.parsed_version() == Version(version):
            return manifest
    raise UpdateError(f"the repository has no release {name} {version}")


# --- locks, servers -------------------------------------------------------------------------


@contextlib.contextmanager
def apply_lock(paths: UpdatePaths) -> Iterator[None]:
    """One apply (or recovery) at a time per data dir; the kernel releases it if we die."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with open(paths.apply_lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateError("another update is being applied to this instance") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def register_server(paths: UpdatePaths) -> Path:
    folder = paths.root / SERVERS
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / str(os.getpid())
    marker.write_text(str(os.getpid()))
    return marker


def running_servers(paths: UpdatePaths) -> list[int]:
    folder = paths.root / SERVERS
    if not folder.is_dir():
        return []
    alive = []
    for marker in folder.iterdir():
        pid = running_pid(marker)
        if pid is None:
            marker.unlink(missing_ok=True)
        elif pid != os.getpid():
            alive.append(pid)
    return alive


# --- apply ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    manifest: Manifest
    state: str  # applied | rolled_back
    message: str
    environment: str | None = None
    restart_needed: bool = False


async def apply(
    instance: Instance,
    manifest: Manifest,
    actor: Actor,
    *,
    source: Source,
    journal: Journal | None = None,
) -> Outcome:
    """Apply one release (see the module docstring). Refusals before anything changed raise
    UpdateError; a failure after the backup rolls back and raises ApplyFailed."""
    paths = paths_of(instance)
    settings = update_settings(instance)
    with apply_lock(paths):
        leftover = Journal.current(paths)
        if leftover is not None and (journal is None or leftover.id != journal.id):
            if leftover.state == REQUESTED:
                raise UpdateError(
                    f"{leftover.manifest.key} is already requested and waits for ncen-launcher"
                )
            await _recover_locked(instance, leftover)
        client = _client(instance, source)
        signed = await asyncio.to_thread(client.signed_manifest, manifest.target_path)
        if signed is None or signed.to_dict() != manifest.to_dict():
            if journal is not None:
                journal.close(ROLLED_BACK, f"{manifest.key} is not signed by {source}")
            raise UpdateError(f"{manifest.key} is not signed by the repository at {source}")
        work = paths.work / "current"
        try:
            bundle = await asyncio.to_thread(client.download, signed)
            shutil.rmtree(work, ignore_errors=True)
            await asyncio.to_thread(unpack, bundle, work, signed)
            await preflight(instance, settings, signed, work)
        except UpdateError as exc:
            shutil.rmtree(work, ignore_errors=True)
            if journal is not None:
                journal.close(ROLLED_BACK, str(exc))
            raise
        if journal is None:
            journal = Journal.new(paths, signed, actor_dict(actor), "verified", str(source))
        else:
            journal.advance("verified")
        running = environments.running_environment(paths)
        journal.advance(
            "checked",
            previous_environment=running.id,
            previous_version=await installed_version(instance, signed),
        )
        try:
            if signed.kind == "data":
                return await _apply_data(instance, journal, signed, work, actor)
            await instance.db.dispose()  # no connection of ours in the way of a restore
            try:
                await asyncio.to_thread(_apply_code, instance, settings, paths, journal, work)
            except UpdateError as exc:
                await _finish(instance, journal, HISTORY_ROLLED_BACK, str(exc))
                raise ApplyFailed(
                    f"{signed.key} was rolled back: {exc}. The database is as it was and "
                    f"{journal.previous_environment} stays active"
                ) from None
            message = f"{signed.key} applied; environment {journal.environment} is active"
            await _finish(instance, journal, APPLIED, message)
            _prune(paths, settings, journal)
            return Outcome(signed, APPLIED, message, journal.environment, restart_needed=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


async def preflight(
    instance: Instance, settings: UpdateSettings, manifest: Manifest, work: Path
) -> None:
    """Everything that can be known before changing anything: version chain, modules, the
    active environment, backup, disk space."""
    problem = chain_problem(manifest, await installed_version(instance, manifest))
    if problem:
        raise UpdateError(f"{problem}: refused")
    paths = paths_of(instance)
    if manifest.kind == "data":
        lists = read_lists(work, manifest)
        owned = code_list_registry(instance).owners
        if not any(data.name in owned for data in lists):
            raise UpdateError(
                f"{manifest.key}: none of its code lists {[d.name for d in lists]} belongs to "
                "an enabled module: refused"
            )
        return
    running = environments.running_environment(paths)
    active = environments.active_id(paths)
    if running.id != active:
        raise UpdateError(
            f"this ncen runs from environment {running.id!r} but {active!r} is active: run "
            "the update through ncen-launcher (it runs the active version)"
        )
    provided = bundle_modules(work / "wheels")
    unknown = [m for m in manifest.modules if m not in instance.installed and m not in provided]
    if unknown:
        raise UpdateError(f"{manifest.key} affects modules {unknown}, which it does not provide")
    servers = running_servers(paths)
    if servers:
        raise UpdateError(
            f"a server (pid {servers[0]}) serves this instance: stop it first, or serve through "
            "ncen-launcher and apply with GraphQL applyUpdate"
        )
    backups.check_possible(instance.config, settings.backup)
    wheels = sum(p.stat().st_size for p in (work / "wheels").glob("*.whl"))
    needed = backups.database_size(instance.config) + 3 * wheels + settings.min_free_mb * 2**20
    free = shutil.disk_usage(paths.root).free
    if free < needed:
        raise UpdateError(
            f"not enough disk space in {paths.root}: {free // 2**20} MiB free, "
            f"{needed // 2**20} MiB needed (backup, new environment, min_free_mb)"
        )


def bundle_modules(wheelhouse: Path) -> set[str]:
    """The ncen modules the bundle's wheels declare (`ncen.modules` entry points)."""
    names: set[str] = set()
    for wheel in wheelhouse.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.endswith(".dist-info/entry_points.txt"):
                    names |= _entry_point_names(archive.read(member).decode(), "ncen.modules")
    return names


def _entry_point_names(text: str, group: str) -> set[str]:
    names, current = set(), None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]").strip()
        elif current == group and "=" in line:
            names.add(line.split("=", 1)[0].strip())
    return names


def read_lists(work: Path, manifest: Manifest) -> list[ListData]:
    lists = []
    for name in manifest.code_lists:
        try:
            data = read_list_file(work / "codelists" / name)
        except CodeListFileError as exc:
            raise UpdateError(f"{manifest.key}: {exc}") from None
        if data.version is None:  # a list takes its release's version
            data = ListData(data.name, data.labels, data.entries, manifest.version)
        lists.append(data)
    return lists


async def _apply_data(
    instance: Instance, journal: Journal, manifest: Manifest, work: Path, actor: Actor
) -> Outcome:
    """Code lists in one transaction, with the history line and the audit event."""
    owned = code_list_registry(instance).owners
    lists = read_lists(work, manifest)
    skipped = [d.name for d in lists if d.name not in owned]
    async with instance.db.transaction() as session:
        reports = await apply_list_data(session, instance, [d for d in lists if d.name in owned])
        summary = {name: asdict(report) for name, report in reports.items()}
        message = f"{manifest.key} applied: code lists " + ", ".join(
            f"{name} (+{r.added} ~{r.updated} -{r.removed + r.end_dated})"
            if not r.kept_version
            else f"{name} (kept newer {r.kept_version})"
            for name, r in reports.items()
        )
        if skipped:
            message += f"; skipped (owner not enabled): {', '.join(skipped)}"
        await _write_history(
            session, journal, APPLIED, message, {"code_lists": summary, "skipped": skipped}
        )
    journal.close("done")
    return Outcome(manifest, APPLIED, message)


def _apply_code(
    instance: Instance,
    settings: UpdateSettings,
    paths: UpdatePaths,
    journal: Journal,
    work: Path,
) -> None:
    """Backup -> environment -> migrations -> health -> switch; on failure, roll back and
    raise UpdateError with the cause."""
    config = instance.config
    manifest = journal.manifest
    try:
        into = paths.backups / journal.id
        backups.backup(config, settings.backup, into)
        journal.advance("backed_up", backup=str(into))
        journal.advance("installing", environment=journal.id)
        previous = environments.load(paths, journal.previous_environment or environments.BASE)
        created = environments.create(paths, journal.id, manifest, work / "wheels", previous)
        journal.advance("installed")
        journal.advance("migrating")
        run_checked(
            [str(created.ncen), "db", "upgrade"],
            what="the migrations of the new version",
            env=health.child_environment(config),
        )
        journal.advance("migrated")
        health.check(
            created.ncen,
            config,
            list(config.modules),
            settings.health_timeout_seconds,
            work / "health.log",
        )
        journal.advance("healthy")
        environments.switch(paths, created.id)
        journal.advance("switched")
    except Exception as exc:
        cause = str(exc) if isinstance(exc, UpdateError) else f"{type(exc).__name__}: {exc}"
        log.info("update %s failed at %s: %s; rolling back", manifest.key, journal.state, cause)
        _roll_back(instance, settings, paths, journal)
        raise UpdateError(cause) from None


def _roll_back(
    instance: Instance, settings: UpdateSettings, paths: UpdatePaths, journal: Journal
) -> None:
    """Undo what the journal says was done: database, environment, pointer."""
    journal.note("rolling back")
    previous = journal.previous_environment or environments.BASE
    if environments.active_id(paths) != previous:
        environments.switch(paths, previous)
    if journal.reached(DATABASE_TOUCHED) and journal.backup:
        backups.restore(instance.config, settings.backup, Path(journal.backup))
    if journal.environment and journal.environment != previous:
        environments.remove(paths, journal.environment)


async def _write_history(
    session: Any, journal: Journal, state: str, message: str, detail: dict[str, Any]
) -> None:
    """The history line and the audit event of a finished apply, in the caller's transaction."""
    manifest = journal.manifest
    actor = Actor(**journal.actor)
    session.add(
        UpdateHistory(
            journal_id=journal.id,
            release_name=manifest.name,
            version=manifest.version,
            kind=manifest.kind,
            state=state,
            previous_version=journal.previous_version,
            environment=journal.environment,
            actor_name=actor.name,
            message=message,
            detail={
                **detail,
                "previous_environment": journal.previous_environment,
                "backup": journal.backup,
                "migrations": list(manifest.migrations),
                "modules": list(manifest.modules),
            },
            started_at=dt.datetime.fromisoformat(journal.started_at),
        )
    )
    await record(
        session,
        actor=actor,
        action="update.applied" if state == APPLIED else "update.rolled_back",
        entity_type=ENTITY,
        entity_id=manifest.key,
        detail={"kind": manifest.kind, "message": message[:500], "journal": journal.id},
    )


async def _finish(instance: Instance, journal: Journal, state: str, message: str) -> None:
    async with instance.db.transaction() as session:
        await _write_history(session, journal, state, message, {})
    journal.close(
        "done" if state == APPLIED else ROLLED_BACK, None if state == APPLIED else message
    )


def _prune(paths: UpdatePaths, settings: UpdateSettings, journal: Journal) -> None:
    """Keep the active environment, the previous one and `keep_versions` in all; keep only
    the last backup (the one `ncen update rollback` restores)."""
    keep = {environments.active_id(paths), journal.previous_environment}
    for env_id in reversed(environments.environments(paths)):
        if len(keep - {None, environments.BASE}) >= settings.keep_versions + 1:
            if env_id not in keep:
                environments.remove(paths, env_id)
        else:
            keep.add(env_id)
    if paths.backups.is_dir():
        for folder in paths.backups.iterdir():
            if folder.name != journal.id:
                shutil.rmtree(folder, ignore_errors=True)


# --- requests through the launcher ----------------------------------------------------------

LAUNCHER_ENV = "NCEN_LAUNCHER_PID"


def launcher_pid(paths: UpdatePaths) -> int | None:
    """The ncen-launcher supervising this server, if there is one."""
    given = os.environ.get(LAUNCHER_ENV)
    pid = running_pid(paths.launcher_pid)
    return pid if given and pid is not None and str(pid) == given else None


async def request(instance: Instance, manifest: Manifest, actor: Actor, source: Source) -> Journal:
    """Ask the launcher to apply a release between two runs of the server: verified,
    downloaded and pre-checked now, so a refusal is immediate."""
    paths = paths_of(instance)
    pid = launcher_pid(paths)
    if pid is None:
        raise UpdateError(
            "this server does not run under ncen-launcher, which applies updates between two "
            "runs of the server: stop it and run `ncen-launcher update apply`"
        )
    with apply_lock(paths):
        if Journal.current(paths) is not None:
            raise UpdateError("an update is already in progress")
        client = _client(instance, source)
        signed = await asyncio.to_thread(client.signed_manifest, manifest.target_path)
        if signed is None:
            raise UpdateError(f"{manifest.key} is not signed by the repository at {source}")
        bundle = await asyncio.to_thread(client.download, signed)
        work = paths.work / "request"
        shutil.rmtree(work, ignore_errors=True)
        try:
            await asyncio.to_thread(unpack, bundle, work, signed)
            problem = chain_problem(signed, await installed_version(instance, signed))
            if problem:
                raise UpdateError(f"{problem}: refused")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        journal = Journal.new(paths, signed, actor_dict(actor), REQUESTED, str(source))
    async with instance.db.transaction() as session:
        await record(
            session,
            actor=actor,
            action="update.requested",
            entity_type=ENTITY,
            entity_id=signed.key,
            detail={"kind": signed.kind, "journal": journal.id},
        )
    asyncio.get_running_loop().call_later(0.3, _signal_launcher, pid)
    return journal


def _signal_launcher(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGUSR1)


# --- recovery and manual rollback -----------------------------------------------------------


async def recover(instance: Instance) -> str | None:
    """Finish or roll back an apply that a crash interrupted; None when there was none."""
    paths = paths_of(instance)
    journal = Journal.current(paths)
    if journal is None or journal.state == REQUESTED:
        return None
    try:
        with apply_lock(paths):
            journal = Journal.current(paths)
            if journal is None or journal.state == REQUESTED:
                return None
            return await _recover_locked(instance, journal)
    except UpdateError:
        return None  # an apply is running right now: it is not interrupted


async def _recover_locked(instance: Instance, journal: Journal) -> str:
    paths = paths_of(instance)
    settings = update_settings(instance)
    manifest = journal.manifest
    shutil.rmtree(paths.work / "current", ignore_errors=True)
    async with instance.db.session() as session:
        written = await session.scalar(
            sa.select(UpdateHistory.state).where(UpdateHistory.journal_id == journal.id)
        )
    if written is not None:  # it finished; only the journal was not closed yet
        journal.close("done" if written == APPLIED else ROLLED_BACK)
        return f"{manifest.key} had finished ({written})"
    if journal.reached("switched") or (
        journal.environment and environments.active_id(paths) == journal.environment
    ):
        if not journal.reached("switched"):
            journal.advance("switched")
        message = f"{manifest.key} was interrupted after the switch and is now complete"
        await _finish(instance, journal, APPLIED, message)
        return message
    await instance.db.dispose()
    state = journal.state
    await asyncio.to_thread(_roll_back, instance, settings, paths, journal)
    message = f"{manifest.key} was interrupted at `{state}` and rolled back"
    if journal.reached("checked") and journal.manifest.kind != "data":
        await _finish(instance, journal, HISTORY_ROLLED_BACK, message)
    else:
        journal.close(ROLLED_BACK, message)
    log.warning("%s", message)
    return message


async def manual_rollback(instance: Instance, actor: Actor, *, restore_database: bool) -> str:
    """Make the environment active before the last applied code release active again, and put
    back the database as it was before that release (required when it had migrations)."""
    paths = paths_of(instance)
    settings = update_settings(instance)
    with apply_lock(paths):
        async with instance.db.session() as session:
            last = await session.scalar(
                sa.select(UpdateHistory)
                .where(UpdateHistory.state == APPLIED, UpdateHistory.kind != "data")
                .order_by(UpdateHistory.id.desc())
                .limit(1)
            )
        if last is None:
            raise UpdateError("no applied application or module update to roll back")
        active = environments.active_id(paths)
        if last.environment != active:
            raise UpdateError(
                f"the active environment is {active!r}, not the one {last.release_name} "
                f"{last.version} installed ({last.environment!r}): nothing to roll back"
            )
        servers = running_servers(paths)
        if servers:
            raise UpdateError(f"a server (pid {servers[0]}) serves this instance: stop it first")
        previous = last.detail.get("previous_environment") or environments.BASE
        if previous != environments.BASE and not (paths.versions / previous).is_dir():
            raise UpdateError(f"the previous environment {previous!r} was pruned: cannot roll back")
        backup = last.detail.get("backup")
        if last.detail.get("migrations") and not restore_database:
            raise UpdateError(
                f"{last.release_name} {last.version} migrated the database: rolling back "
                "restores the backup taken before it, losing every change since; confirm with "
                "--restore-database"
            )
        if restore_database and not (backup and backups.is_complete(Path(backup))):
            raise UpdateError("the backup taken before that update is gone: cannot restore")
        release = {
            "name": last.release_name,
            "kind": last.kind,
            "version": last.version,
            "requirements": [last.release_name],
        }
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        record_of = Journal(  # not saved: only what the history line says about it
            paths,
            f"{stamp}-rollback-{last.release_name}-{last.version}",
            release,
            ROLLED_BACK,
            actor_dict(actor),
            previous_environment=last.environment,
            previous_version=last.version,
            environment=previous,
        )
        await instance.db.dispose()
        if restore_database:
            await asyncio.to_thread(backups.restore, instance.config, settings.backup, Path(backup))
        environments.switch(paths, previous)
        message = (
            f"rolled back {last.release_name} {last.version}: environment {previous} is active"
            + ("; database restored from the backup before it" if restore_database else "")
        )
        async with instance.db.transaction() as session:
            applied = await session.get(UpdateHistory, last.id)
            if applied is not None:  # still there when the database was not restored
                applied.state = HISTORY_ROLLED_BACK
            await _write_history(session, record_of, HISTORY_ROLLED_BACK, message, {"manual": True})
        return message


async def history(instance: Instance, limit: int = 50) -> list[UpdateHistory]:
    async with instance.db.session() as session:
        rows = await session.scalars(
            sa.select(UpdateHistory).order_by(UpdateHistory.id.desc()).limit(limit)
        )
        return list(rows)
