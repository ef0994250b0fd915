"""The health check of a new version before it becomes active: it starts from its own
environment on a spare loopback port, over the migrated database, and must answer `/readyz`
(database reachable, schema up to date, started) and a smoke GraphQL query listing the enabled
modules."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from core.config import Config
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.processes import popen, stop, tail

ROLE_ENV = "NCEN_UPDATE_ROLE"
HEALTH_CHECK_ROLE = "health-check"
SMOKE_QUERY = "{ modules { name version } }"


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_environment(config: Config, **extra: str) -> dict[str, str]:
    """What ncen run from another environment needs to open this same instance."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    if config.source != "defaults":
        env["NCEN_CONFIG"] = str(Path(config.source).resolve())
    env.setdefault("NCEN_DATA_DIR", str(config.data_dir))
    env.update(extra)
    return env


def check(
    ncen: Path, config: Config, modules: Sequence[str], timeout: float, log: Path
) -> dict[str, str]:
    """Start the new version, probe it, stop it; the served modules and versions, or an
    UpdateError saying what failed."""
    port = spare_port()
    env = child_environment(
        config,
        **{ROLE_ENV: HEALTH_CHECK_ROLE, "NCEN_MODULE_UPDATE_MANAGER_CHECK_INTERVAL_MINUTES": "0"},
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = popen(
            [str(ncen), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            return _probe(process, f"http://127.0.0.1:{port}", modules, timeout, log)
        finally:
            stop(process)


def _probe(
    process: subprocess.Popen,  # type: ignore[type-arg]
    base: str,
    modules: Sequence[str],
    timeout: float,
    log: Path,
) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(base_url=base, timeout=5, trust_env=False) as client:
        while True:
            if process.poll() is not None:
                raise UpdateError(
                    f"the new version exited ({process.returncode}) before it was ready: "
                    f"{tail(log.read_text(errors='replace'))}"
                )
            try:
                response = client.get("/readyz")
                if response.status_code == 200:
                    break
                last = response.text
            except httpx.HTTPError as exc:
                last = str(exc) or type(exc).__name__
            if time.monotonic() > deadline:
                raise UpdateError(f"the new version was not ready within {timeout:g} s: {last}")
            time.sleep(0.1)
        response = client.post("/graphql", json={"query": SMOKE_QUERY})
        body = response.json() if response.status_code == 200 else {}
        served = {m["name"]: m["version"] for m in (body.get("data") or {}).get("modules", [])}
        missing = [name for name in modules if name not in served]
        if response.status_code != 200 or "errors" in body or missing:
            raise UpdateError(
                f"the new version failed the smoke query (HTTP {response.status_code}, "
                f"missing modules {missing}): {response.text[:300]}"
            )
        return served
