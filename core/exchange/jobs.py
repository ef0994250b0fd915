"""Import jobs: a file uploaded over HTTP, imported in the background, its state and report kept.

The job row says where the import is (queued, running, then checked, refused, done or
failed) with its counts; the report (row, column, field, code, message) is kept as CSV under
`<data_dir>/exchange/` for its author to download.

A job survives the process running it. The row keeps what another process needs to run it
again (the upload under `<data_dir>/exchange/`, the mapping, the permissions of the credential
that uploaded it) and a lease: the process running it and its heartbeat. Each write chunk
commits with the job's progress (rows written, counts) in its transaction. A SQLite instance
(one process) takes over every unfinished job when it starts; on PostgreSQL a server that
starts, and every running server once a lease, takes over the jobs whose runner has not been
heard of for `[ncen.outbox] lease_seconds`. Either goes on after the rows already written:
nothing is written twice, keys or no keys. A job interrupted `MAX_ATTEMPTS` times, or whose
upload is gone, is failed with a message saying to upload the file again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.exchange.importer import Importer, ImportResult, exchange_dir
from core.exchange.mapping import Mapping, parse_mapping
from core.exchange.models import ImportJob
from core.exchange.registry import exchange_type
from core.exchange.report import write_report

if TYPE_CHECKING:
    from core.auth.principal import UserPrincipal
    from core.gql.context import Principal
    from core.instance import Instance

log = logging.getLogger("ncen.exchange")
TASKS_KEY = "core.exchange.jobs"
RUNNER_KEY = "core.exchange.runner"
SWEEP_KEY = "core.exchange.sweep"
UNFINISHED = ("queued", "running")
MAX_ATTEMPTS = 3


class LeaseLost(Exception):
    """Another process took the job over (this one was not heard of for a lease): stop."""


def jobs_dir(instance: Instance) -> Path:
    return exchange_dir(instance)


def report_path(instance: Instance, job_id: int) -> Path:
    return jobs_dir(instance) / f"import-{job_id}-report.csv"


def upload_path(instance: Instance, job_id: int, kind: str) -> Path:
    return jobs_dir(instance) / f"import-{job_id}.{kind}"


def runner_id(instance: Instance) -> str:
    """This process, as a job's lease names it."""
    found: str = instance.state.setdefault(
        RUNNER_KEY, f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    )
    return found


def lease_seconds(instance: Instance) -> float:
    return instance.config.outbox.lease_seconds


async def create_job(
    instance: Instance,
    principal: Principal,
    module: str,
    upload: Path,
    kind: str,
    mapping: Mapping | None,
    dry_run: bool,
) -> int:
    """Queue an import of `upload` (moved into the job's folder) and start it here."""
    xt = exchange_type(instance, module)
    permissions = getattr(principal, "permissions", None)
    async with instance.db.transaction() as session:
        job = ImportJob(
            module=module,
            entity_type=xt.record_type,
            status="queued",
            dry_run=dry_run,
            file_format=kind,
            created_by=getattr(principal, "user_id", 0),
            mapping=mapping.as_data() if mapping is not None else None,
            scope=sorted(permissions) if permissions is not None else None,
            runner=runner_id(instance),
            heartbeat_at=utcnow(),
            attempts=1,
        )
        session.add(job)
        await session.flush()
        job_id = job.id
    shutil.move(upload, upload_path(instance, job_id, kind))
    _start(instance, job_id)
    return job_id


def _start(instance: Instance, job_id: int) -> None:
    task = asyncio.create_task(_run(instance, job_id), name=f"import-job-{job_id}")
    tasks: set[asyncio.Task[Any]] = instance.state.setdefault(TASKS_KEY, set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _run(instance: Instance, job_id: int) -> None:
    """Run (or go on with) a job this process holds the lease of."""
    runner = runner_id(instance)
    async with instance.db.session() as session:
        job = await session.get(ImportJob, job_id)
    if job is None:
        return
    path = upload_path(instance, job_id, job.file_format)
    if job.attempts > MAX_ATTEMPTS:
        await _fail(instance, job_id, f"interrupted {MAX_ATTEMPTS} times: upload the file again")
        return _remove(path)
    if not path.exists():
        await _fail(instance, job_id, "the uploaded file is gone: upload it again")
        return None
    principal = await _principal(instance, job)
    if principal is None:
        await _fail(instance, job_id, "the account that uploaded the file is not active")
        return _remove(path)
    written = None
    if job.rows and not job.dry_run:  # rows written and committed by a run that stopped
        written = ImportResult(
            dry_run=False,
            rows=job.rows,
            created=job.created,
            updated=job.updated,
            unchanged=job.unchanged,
        )
        log.info("import job %s goes on after row %s of its file", job_id, job.rows)
    await _set(instance, job_id, runner, status="running")
    heartbeat = asyncio.create_task(_heartbeat(instance, job_id, runner))

    async def checkpoint(session: AsyncSession, after: ImportResult) -> None:
        progressed = await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.runner == runner)
            .values(
                rows=after.rows,
                created=after.created,
                updated=after.updated,
                unchanged=after.unchanged,
                heartbeat_at=utcnow(),
            )
        )
        if progressed.rowcount != 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
            raise LeaseLost(f"import job {job_id} was taken over by another process")

    try:
        xt = exchange_type(instance, job.module)
        mapping = parse_mapping(job.mapping) if job.mapping is not None else None
        importer = Importer(instance, principal, xt, mapping, checkpoint=checkpoint)
        result = await importer.run(path, job.file_format, dry_run=job.dry_run, written=written)
        write_report(result.errors, report_path(instance, job_id))
        await _set(
            instance,
            job_id,
            runner,
            status=result.status,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            errors=result.error_count,
            message=result.message,
            finished_at=utcnow(),
            runner=None,
        )
    except LeaseLost:
        log.warning("import job %s was taken over by another process", job_id)
        return None
    except asyncio.CancelledError:
        # The process stops: leave the upload and let the next start take the job over now.
        with contextlib.suppress(Exception):
            await asyncio.shield(_set(instance, job_id, runner, runner=None, heartbeat_at=None))
        raise
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        await _set(
            instance,
            job_id,
            runner,
            status="failed",
            message=str(exc)[:1000],
            finished_at=utcnow(),
            runner=None,
        )
    finally:
        heartbeat.cancel()
    _remove(path)
    return None


async def _heartbeat(instance: Instance, job_id: int, runner: str) -> None:
    """Say every quarter lease that this process still runs the job."""
    while True:
        await asyncio.sleep(lease_seconds(instance) / 4)
        with contextlib.suppress(Exception):
            await _set(instance, job_id, runner, heartbeat_at=utcnow())


async def _principal(instance: Instance, job: ImportJob) -> UserPrincipal | None:
    """The uploader as they are now, within the permissions of the credential they used."""
    from core.auth.models import RolePermission, User, UserRole
    from core.auth.permissions import effective
    from core.auth.principal import UserPrincipal

    async with instance.db.session() as session:
        user = await session.get(User, job.created_by)
        if user is None or not user.active:
            return None
        held = await session.scalars(
            select(RolePermission.permission)
            .join(UserRole, UserRole.role == RolePermission.role)
            .where(UserRole.user_id == user.id)
        )
        permissions = effective(frozenset(held))
    if job.scope is not None:
        permissions = permissions & frozenset(job.scope)
    return UserPrincipal(user.id, user.username, permissions)


async def resume_jobs(instance: Instance, *, every: bool = False) -> list[int]:
    """Take over the unfinished jobs whose runner has not been heard of for a lease (a process
    that stopped or crashed), or `every` unfinished job (a SQLite instance starting: it is
    served by one process, so they are all of a process that ended), and run them here.
    Returns their ids."""
    cutoff = utcnow() - dt.timedelta(seconds=lease_seconds(instance))
    runner = runner_id(instance)
    stale: ColumnElement[bool] = or_(
        ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < cutoff
    )
    if every:
        stale = true()
    async with instance.db.session() as session:
        candidates = list(
            await session.scalars(
                select(ImportJob.id).where(ImportJob.status.in_(UNFINISHED), stale)
            )
        )
    taken = []
    for job_id in candidates:
        async with instance.db.transaction() as session:
            claimed = await session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.status.in_(UNFINISHED), stale)
                .values(
                    runner=runner,
                    heartbeat_at=utcnow(),
                    attempts=ImportJob.attempts + 1,
                )
            )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
            log.info("import job %s: taken over after its runner stopped", job_id)
            taken.append(job_id)
            _start(instance, job_id)
    return taken


async def _sweep(instance: Instance) -> None:
    """At start: the jobs of a process that ended are taken over (on SQLite, one process serves
    the instance: all of them). On PostgreSQL, where several servers share the instance, again
    every lease: the jobs of a server that stopped are taken over by one still running."""
    sqlite = instance.config.is_sqlite
    every = sqlite
    while True:
        try:
            await resume_jobs(instance, every=every)
        except Exception:
            log.exception("taking over import jobs failed")
        if sqlite:
            return
        every = False
        await asyncio.sleep(lease_seconds(instance))


def start_sweeping(instance: Instance) -> None:
    instance.state[SWEEP_KEY] = asyncio.create_task(_sweep(instance), name="import-job-sweep")


async def stop(instance: Instance) -> None:
    """Stop sweeping; running jobs stop and release their lease (taken over at next start)."""
    sweep = instance.state.pop(SWEEP_KEY, None)
    tasks = [*([sweep] if sweep is not None else []), *instance.state.get(TASKS_KEY, ())]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _fail(instance: Instance, job_id: int, message: str) -> None:
    async with instance.db.transaction() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status="failed", message=message, finished_at=utcnow(), runner=None)
        )


async def _set(instance: Instance, job_id: int, holder: str, **values: Any) -> None:
    """Change the job while this process (`holder`) holds its lease."""
    async with instance.db.transaction() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.runner == holder)
            .values(**values)
        )


async def wait_for_jobs(instance: Instance) -> None:
    """Let running jobs end (tests; a stopping instance)."""
    tasks = list(instance.state.get(TASKS_KEY, ()))
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
