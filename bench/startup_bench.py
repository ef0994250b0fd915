"""Start-up: from spawning `ncen serve` (all built-in modules enabled) to /readyz answering 200.

Besides the wall time (the target), each run records the CPU time the server process had used
when it became ready: on a 2-core machine shared with other benchmarks the wall time follows the
load, the CPU time much less, so it tells whether a change made start-up cheaper.

The checkout's bytecode is written first (`compileall`), as `pip install` does and as Python
itself does on the first start, unless `PYTHONDONTWRITEBYTECODE` is set: with that variable and
no `__pycache__`, every start compiles ncen's ~140 modules again (~0.15 s of CPU), which no
installed instance does.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import statistics
import time
from pathlib import Path

from bench.common import ROOT, Results, prepare_instance, serve, stats, target


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process (Linux /proc), None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compile_checkout() -> bool:
    """Write the bytecode of ncen's own packages (site-packages has it from pip)."""
    return all(compileall.compile_dir(ROOT / name, quiet=2) for name in ("core", "plugins"))


def run(results: Results, work: Path, *, db_size: int, runs: int) -> None:
    data_dir = work / "startup"
    asyncio.run(prepare_instance(data_dir, db_size))
    compiled = compile_checkout()
    samples: list[float] = []
    cpu: list[float] = []
    load_before = os.getloadavg()[0]
    for _ in range(runs):
        begin = time.perf_counter()
        with serve(data_dir) as server:
            samples.append(time.perf_counter() - begin)
            used = process_cpu_seconds(server.process.pid)
            if used is not None:
                cpu.append(used)
    measured = stats(samples)
    results.add(
        "startup.serve_to_ready",
        db_size,
        **measured,
        server_cpu_median_ms=round(statistics.median(cpu) * 1000, 3) if cpu else None,
        loadavg_1m=[round(load_before, 2), round(os.getloadavg()[0], 2)],
        bytecode_compiled=compiled,
        modules="all built-in",
        **target(measured["median_ms"], 2000.0),
    )
