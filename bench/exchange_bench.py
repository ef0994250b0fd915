"""Data exchange: export of N seizures to CSV, import of that CSV into an empty instance, and
`statistics` by month x area. Prints seconds, rows per second, RSS growth and p95."""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path

from bench.common import Results
from core.auth.plugin import sync_instance_permissions
from core.codelists.sync import sync_code_lists
from core.exchange.cli import settle, user_principal
from core.exchange.exporter import Exporter
from core.exchange.importer import Importer
from core.exchange.registry import exchange_type
from core.exchange.statistics import statistics
from core.exchange.writers import open_writer
from core.instance import Instance
from core.testing import TestApp, create_user, make_config, start_app


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mkdir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)


def _verdict(size: int, met: bool) -> dict[str, bool]:
    """Targets are set at 100,000 seizures: smaller runs check that the benchmark works."""
    return {"target_met": met} if size >= 100_000 else {}


async def _app(folder: Path, *, serving: bool = True):
    """An instance over a new database; `serving=False` builds it as `ncen import` does, without
    the outbox relay (which would index the imported records meanwhile: `ncen serve` does that
    after, in batches)."""
    config = make_config(f"sqlite+aiosqlite:///{folder / 'ncen.db'}", folder, ["seizures"])
    if serving:
        app = await start_app(config)
    else:
        _mkdir(folder)
        instance = Instance(config)
        await instance.migrator.upgrade()
        await sync_instance_permissions(instance)  # what `ncen user create` does first
        app = TestApp(instance, None)  # type: ignore[arg-type]  # no HTTP client needed
    await sync_code_lists(app.instance)
    await create_user(app, "bench", "officer", "validator", "analyst")
    principal = await user_principal(app.instance, "bench")
    settle(app.instance)  # as `ncen import|export` and `ncen serve` do
    return app, principal


async def _run(results: Results, work: Path, seizures: int) -> None:
    from plugins.seizures import demo

    source, principal = await _app(work / "source")
    async with source.instance.db.transaction() as session:
        await demo.load_bulk(session, "XX", seizures)
    xt = exchange_type(source.instance, "seizures")
    out = work / "export.csv"
    before = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    exporter = Exporter(source.instance, principal, xt)
    writer, handle = open_writer("csv", out, exporter.header)
    async for row in exporter.rows():
        writer.write(row)
    handle.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    results.add(
        "exchange.export_csv",
        seizures,
        seconds=round(seconds, 2),
        cpu_s=round(cpu, 2),
        rss_growth_mb=round(_rss_mb() - before, 1),
        target="<= 20 s at 100,000, RSS growth < 100 MB",
        **_verdict(seizures, seconds <= 20 and _rss_mb() - before < 100),
    )
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        await statistics(source.instance, principal, xt, group_by=["month", "area"])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    results.add(
        "exchange.statistics_month_area",
        seizures,
        p95_ms=round(timings[int(len(timings) * 0.95) - 1], 1),
        median_ms=round(timings[len(timings) // 2], 1),
        target="<= 200 ms at 100,000",
        **_verdict(seizures, timings[int(len(timings) * 0.95) - 1] <= 200),
    )
    await source.close()

    target, principal = await _app(work / "target", serving=False)
    importer = Importer(target.instance, principal, exchange_type(target.instance, "seizures"))
    started, cpu = time.perf_counter(), time.process_time()
    result = await importer.run(out, "csv", dry_run=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    results.add(
        "exchange.import_csv",
        seizures,
        seconds=round(seconds, 2),
        cpu_s=round(cpu, 2),
        rows_per_s=round(result.created / seconds),
        status=result.status,
        errors=result.error_count,
        target="<= 60 s at 100,000",
        **_verdict(seizures, seconds <= 60 and result.status == "done"),
    )
    await target.instance.db.dispose()


def run(results: Results, work: Path, *, seizures: int) -> None:
    asyncio.run(_run(results, work, seizures))


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        found = Results()
        run(found, Path(folder), seizures=int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
