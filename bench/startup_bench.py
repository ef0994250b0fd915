"""Start-up: from spawning `ncen serve` (all built-in modules enabled) to /readyz answering 200."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.common import Results, prepare_instance, serve, stats, target


def run(results: Results, work: Path, *, db_size: int, runs: int) -> None:
    data_dir = work / "startup"
    asyncio.run(prepare_instance(data_dir, db_size))
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        with serve(data_dir):
            samples.append(time.perf_counter() - begin)
    measured = stats(samples)
    results.add(
        "startup.serve_to_ready",
        db_size,
        **measured,
        modules="all built-in",
        **target(measured["median_ms"], 2000.0),
    )
