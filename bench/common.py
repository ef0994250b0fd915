"""Shared pieces of the benchmarks: timing statistics, results, instances, servers and clients.

Every benchmark builds its own throw-away data directory from the deterministic demo generator,
so runs compare like with like. Servers are real `ncen serve` processes on 127.0.0.1 and a free
port, stopped when the benchmark ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCH_PASSWORD = "bench-password-0123456789"
USERS = {"officer": ["officer"], "analyst": ["analyst"], "validator": ["validator"]}


@dataclass
class Results:
    """Every measurement of a run, printed as one JSON line each and kept for the results file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    quiet: bool = False

    def add(self, what: str, size: int | None, **values: Any) -> dict[str, Any]:
        record = {"what": what, "size": size, **values}
        self.records.append(record)
        if not self.quiet:
            print(json.dumps(record), flush=True)
        return record

    def note(self, message: str) -> None:
        if not self.quiet:
            print(f"# {message}", file=sys.stderr, flush=True)


def stats(samples: Sequence[float]) -> dict[str, float]:
    """Median and p95 in milliseconds of samples taken in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "n": len(ordered),
    }


def ratio(value: float, anchor: float) -> float | None:
    return round(value / anchor, 3) if anchor else None


def target(measured: float, limit: float, *, at_least: bool = False) -> dict[str, Any]:
    """The target, whether it is met, and measured/target."""
    met = measured >= limit if at_least else measured <= limit
    return {"target": limit, "target_met": met, "target_ratio": ratio(measured, limit)}


def timed(fn: Any, repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


# --- instances --------------------------------------------------------------------------------


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """NCEN_* settings of a benchmark instance (all built-in modules, pages of up to 1,000, and
    a request cost limit that lets such a page through: the list benchmark's 1,000 seizures
    are estimated at 56,001 values, over the production default)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NCEN_") or key == "NCEN_BENCH"
    }
    env.update(
        NCEN_DATA_DIR=str(data_dir),
        NCEN_GRAPHQL_MAX_PAGE_SIZE="1000",
        NCEN_GRAPHQL_MAX_COST="200000",
        NCEN_COUNTRY="XX",
    )
    env.update(extra)
    return env


def bench_config(data_dir: Path, **extra: str) -> Any:
    from core.config import load_config

    return load_config(None, bench_env(data_dir, **extra))


def make_dirs(data_dir: Path) -> None:
    (data_dir / "search").mkdir(parents=True, exist_ok=True)


async def prepare_instance(
    data_dir: Path, seizures: int, *, users: bool = True, reindex: bool = True
) -> dict[str, Any]:
    """Schema, code lists, bench users and `seizures` demo cases in a new data dir."""
    from core.auth.accounts import create_user
    from core.cli import upgrade_instance
    from core.instance import Instance
    from plugins.seizures import demo

    make_dirs(data_dir)
    instance = Instance(bench_config(data_dir))
    timings: dict[str, Any] = {}
    try:
        await upgrade_instance(instance)
        if users:
            from core.auth.bootstrap import sync_instance_permissions

            await sync_instance_permissions(instance)
            for username, roles in USERS.items():
                await create_user(
                    instance,
                    "bench",
                    username,
                    roles=roles,
                    password=BENCH_PASSWORD,
                    must_change_password=False,
                )
        start = time.perf_counter()
        if seizures:
            async with instance.db.transaction() as session:
                await demo.load_bulk(session, instance.config.country, seizures)
        timings["load_seconds"] = time.perf_counter() - start
        if reindex:
            start = time.perf_counter()
            written = await instance.search.reindex()
            timings["reindex_seconds"] = time.perf_counter() - start
            timings["indexed"] = sum(written.values())
    finally:
        await instance.db.dispose()
    return timings


# --- servers and clients ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def wait_ready(url: str, path: str, deadline: float, process: subprocess.Popen[bytes]) -> None:
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                if client.get(url + path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise RuntimeError(f"{url}{path} not ready in time")


@contextlib.contextmanager
def serve(
    data_dir: Path,
    *,
    command: Sequence[str] | None = None,
    ready_path: str = "/readyz",
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """`ncen serve` (or `command`) on a free loopback port, stopped on leaving; `env` overrides
    NCEN_* settings of the benchmark instance."""
    port = free_port()
    argv = list(command or _ncen_serve())
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    log = data_dir / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            env=bench_env(data_dir, **(env or {})),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(server.url, ready_path, time.monotonic() + 60, process)
        yield server
    except Exception:
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(process: subprocess.Popen[bytes]) -> float | None:
    """CPU time (user + system) the process has used so far; None without /proc. On a shared
    machine, CPU per request moves far less with the load than requests per second."""
    try:
        stat = Path(f"/proc/{process.pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # fields 3.. of proc(5); utime, stime = 14, 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ms_per(process: subprocess.Popen[bytes], since: float | None, count: int) -> float | None:
    """Milliseconds of the process's CPU per unit of work since `since` (from cpu_seconds)."""
    now = cpu_seconds(process)
    if now is None or since is None or not count:
        return None
    return round((now - since) * 1000 / count, 2)


def _ncen_serve() -> list[str]:
    # `ncen serve` of this checkout (cwd=ROOT comes first on sys.path with -c), whatever the
    # editable install of the venv points to.
    return [sys.executable, "-c", "from core.cli import main; main()", "serve"]


def login(url: str, username: str, password: str = BENCH_PASSWORD) -> str:
    query = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
    response = httpx.post(
        url + "/graphql", json={"query": query, "variables": {"u": username, "p": password}}
    )
    body = response.json()
    if "errors" in body:
        raise RuntimeError(f"login failed: {body['errors']}")
    return str(body["data"]["login"]["token"])


def gql_body(response: httpx.Response) -> Mapping[str, Any]:
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL error ({response.status_code}): {str(body)[:500]}")
    return body  # type: ignore[no-any-return]
