"""Run the benchmarks: `python -m bench [--full | --tiny] [--only list,search,...]`.

Prints one JSON object per measurement and writes them all to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import (
    exchange_bench,
    http_bench,
    icomm_bench,
    intelligence_bench,
    limits_bench,
    list_bench,
    pg_search_bench,
    search_bench,
    startup_bench,
    update_bench,
    write_bench,
)
from bench.common import RESULTS_DIR, Results

# Per profile: the keyword arguments of each benchmark's run().
SIZES: dict[str, dict[str, dict[str, int]]] = {
    "tiny": {
        "list": {"first": 20, "db_size": 40, "repeat": 2},
        "search": {"docs": 300, "repeat": 2},
        "write": {"creates": 24, "clients": 8},
        "http": {"seconds": 1, "seizures": 40, "companies": 20},
        "startup": {"db_size": 20, "runs": 1},
        "limits": {"seizures": 40, "companies": 4, "repeat": 4, "rounds": 1},
        "update": {"seizures": 50},
        "icomm": {"messages": 20},
        "exchange": {"seizures": 40},
        "intelligence": {"entries": 200, "seizures": 60, "persons": 60, "alerts": 3},
        "pgsearch": {"docs": 300, "repeat": 2},
    },
    "quick": {
        "list": {"first": 1000, "db_size": 2000, "repeat": 15},
        "search": {"docs": 10_000, "repeat": 10},
        "write": {"creates": 600, "clients": 8},
        "http": {"seconds": 5, "seizures": 2000, "companies": 500},
        "startup": {"db_size": 2000, "runs": 3},
        "limits": {"seizures": 2000, "companies": 12, "repeat": 40, "rounds": 10},
        "update": {"seizures": 10_000},
        "icomm": {"messages": 300},
        "exchange": {"seizures": 10_000},
        "intelligence": {"entries": 10_000, "seizures": 2000, "persons": 2000, "alerts": 20},
        "pgsearch": {"docs": 20_000, "repeat": 10},
    },
    "full": {
        "list": {"first": 1000, "db_size": 10_000, "repeat": 20},
        "search": {"docs": 100_000, "repeat": 10},
        "write": {"creates": 2000, "clients": 8},
        "http": {"seconds": 10, "seizures": 10_000, "companies": 2000},
        "startup": {"db_size": 10_000, "runs": 5},
        "limits": {"seizures": 10_000, "companies": 12, "repeat": 100, "rounds": 25},
        "update": {"seizures": 100_000},
        "icomm": {"messages": 1000},
        "exchange": {"seizures": 100_000},
        "intelligence": {"entries": 10_000, "seizures": 10_000, "persons": 10_000, "alerts": 50},
        # The issue-20 target size; `python -m bench.pg_search_bench DOCS` runs another.
        "pgsearch": {"docs": 1_000_000, "repeat": 10},
    },
}

# What the one-line summary shows of a measurement with a target.
MEASURED = (
    "ratio",
    "statements",
    "docs_per_s",
    "p95_ms",
    "records_per_s",
    "creates_per_s",
    "median_ms",
    "seconds",
    "target",
)

BENCHMARKS: dict[str, Callable[..., None]] = {
    "list": list_bench.run,
    "search": search_bench.run,
    "write": write_bench.run,
    "http": http_bench.run,
    "startup": startup_bench.run,
    "limits": limits_bench.run,
    "update": update_bench.run,
    "icomm": icomm_bench.run,
    "exchange": exchange_bench.run,
    "intelligence": intelligence_bench.run,
    "pgsearch": pg_search_bench.run,
}


def machine() -> dict[str, Any]:
    def command(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    return {
        "nproc": os.cpu_count(),
        "memory": command("free", "-h").splitlines()[1:2],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor(),
    }


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="the sizes of docs/performance.md")
    size.add_argument("--tiny", action="store_true", help="seconds in total (the smoke test)")
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument("--quiet", action="store_true", help="no JSON lines on stdout")
    args = parser.parse_args(argv)
    profile = "full" if args.full else "tiny" if args.tiny else "quick"
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = Results(quiet=args.quiet)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ncen-bench-") as work:
        for name in chosen:
            results.note(f"{name} ({profile})")
            begin = time.perf_counter()
            BENCHMARKS[name](results, Path(work), **SIZES[profile][name])
            results.note(f"{name} done in {time.perf_counter() - begin:.1f} s")
    report = {
        "profile": profile,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": machine(),
        "results": results.records,
    }
    for record in results.records:
        if "target_met" in record:
            verdict = "met" if record["target_met"] else "NOT met"
            measured = {k: v for k, v in record.items() if k in MEASURED}
            results.note(f"target {verdict}: {record['what']} size={record['size']} {measured}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    results.note(f"written to {args.output}")
    return results.records


if __name__ == "__main__":
    main()
