"""Import jobs taken over in process: a stale lease is taken, a fresh one is not, a job whose
upload is gone is failed with a message saying what to do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.db import utcnow
from core.exchange import jobs
from core.exchange.models import ImportJob
from core.testing import create_user
from plugins.seizures.models import Case
from tests.exchange.test_import_export import GOOD, MAPPING, write_csv
from tests.seizures.helpers import seizures_app


async def _job(app, user_id: int, *, heartbeat: dt.datetime, rows: int = 0) -> int:
    async with app.instance.db.transaction() as session:
        job = ImportJob(
            module="seizures",
            entity_type="Seizure",
            status="running",
            dry_run=False,
            file_format="csv",
            created_by=user_id,
            mapping=MAPPING,
            scope=None,
            runner="another-host:1:dead",
            heartbeat_at=heartbeat,
            attempts=1,
            rows=rows,
        )
        session.add(job)
        await session.flush()
        return job.id


async def test_stale_jobs_are_taken_over_and_fresh_ones_left(make_app, tmp_path):
    app = await seizures_app(make_app)
    await create_user(app, "importer", "officer")
    from core.auth.models import User

    async with app.instance.db.session() as session:
        user_id = await session.scalar(select(User.id).where(User.username == "importer"))
    stale = await _job(app, user_id, heartbeat=utcnow() - dt.timedelta(hours=1))
    fresh = await _job(app, user_id, heartbeat=utcnow())
    gone = await _job(app, user_id, heartbeat=utcnow() - dt.timedelta(hours=1))
    write_csv(jobs.upload_path(app.instance, stale, "csv"), GOOD)
    write_csv(jobs.upload_path(app.instance, fresh, "csv"), GOOD)

    taken = await jobs.resume_jobs(app.instance)
    assert sorted(taken) == sorted([stale, gone])
    await jobs.wait_for_jobs(app.instance)
    async with app.instance.db.session() as session:
        found = {j.id: j for j in await session.scalars(select(ImportJob))}
        cases = await session.scalar(select(func.count()).select_from(Case))
    assert (found[stale].status, found[stale].created, found[stale].attempts) == ("done", 2, 2)
    assert found[fresh].status == "running" and found[fresh].runner == "another-host:1:dead"
    assert found[gone].status == "failed" and "upload it again" in (found[gone].message or "")
    assert cases == 2
    assert not jobs.upload_path(app.instance, stale, "csv").exists()
    assert jobs.upload_path(app.instance, fresh, "csv").exists()
