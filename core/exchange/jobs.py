"""Import jobs: a file uploaded over HTTP, imported in the background, its state and report kept.

The job row says where the import is (queued, running, then checked, refused, done or
failed) with its counts; the report (row, column, field, code, message) is kept as CSV under
`<data_dir>/exchange/` for its author to download. A job runs in the process that received the
upload; one left running by a process that stopped stays `running` (known limitation).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from core.db import utcnow
from core.exchange.importer import Importer, exchange_dir
from core.exchange.mapping import Mapping
from core.exchange.models import ImportJob
from core.exchange.registry import exchange_type
from core.exchange.report import write_report

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

log = logging.getLogger("ncen.exchange")
TASKS_KEY = "core.exchange.jobs"


def jobs_dir(instance: Instance) -> Path:
    return exchange_dir(instance)


def report_path(instance: Instance, job_id: int) -> Path:
    return jobs_dir(instance) / f"import-{job_id}-report.csv"


async def create_job(
    instance: Instance,
    principal: Principal,
    module: str,
    upload: Path,
    kind: str,
    mapping: Mapping | None,
    dry_run: bool,
) -> int:
    """Queue an import of `upload` (moved into the job's folder) and start it."""
    xt = exchange_type(instance, module)
    async with instance.db.transaction() as session:
        job = ImportJob(
            module=module,
            entity_type=xt.record_type,
            status="queued",
            dry_run=dry_run,
            file_format=kind,
            created_by=getattr(principal, "user_id", 0),
        )
        session.add(job)
        await session.flush()
        job_id = job.id
    stored = jobs_dir(instance) / f"import-{job_id}.{kind}"
    shutil.move(upload, stored)
    task = asyncio.create_task(_run(instance, principal, job_id, stored, kind, mapping, dry_run))
    tasks: set[asyncio.Task[Any]] = instance.state.setdefault(TASKS_KEY, set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return job_id


async def _run(
    instance: Instance,
    principal: Principal,
    job_id: int,
    path: Path,
    kind: str,
    mapping: Mapping | None,
    dry_run: bool,
) -> None:
    await _set(instance, job_id, status="running")
    try:
        job_module = await _job_module(instance, job_id)
        xt = exchange_type(instance, job_module)
        result = await Importer(instance, principal, xt, mapping).run(path, kind, dry_run=dry_run)
        write_report(result.errors, report_path(instance, job_id))
        await _set(
            instance,
            job_id,
            status=result.status,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            errors=result.error_count,
            message=result.message,
            finished_at=utcnow(),
        )
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        await _set(instance, job_id, status="failed", message=str(exc)[:1000], finished_at=utcnow())
    finally:
        _remove(path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _job_module(instance: Instance, job_id: int) -> str:
    async with instance.db.session() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        return job.module


async def _set(instance: Instance, job_id: int, **values: Any) -> None:
    async with instance.db.transaction() as session:
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


async def wait_for_jobs(instance: Instance) -> None:
    """Let running jobs end (tests; a stopping instance)."""
    tasks = list(instance.state.get(TASKS_KEY, ()))
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
