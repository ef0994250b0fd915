"""Real `ncen serve` processes for tests of what only a real server shows: pages in a browser,
instances talking to each other over loopback, a server killed and started again.

    with served_instance(tmp_path / "a", modules=["seizures"]) as server:
        urllib.request.urlopen(server.url + "/readyz")
        server.kill()       # SIGKILL, as a crash would
        server.start()      # same data dir, same port

Each instance has its own data dir (SQLite there unless `database_url` names another database)
and its own free loopback port; `ncen init` runs once before the first start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

NCEN = Path(sys.prefix) / "bin" / "ncen"
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServedInstance:
    """One instance: its data dir, environment and port, and the server process when running."""

    data_dir: Path
    environ: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ncen(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run an `ncen` command against this instance (same data dir and configuration)."""
        return subprocess.run(
            [str(NCEN), *args], env=self.environ, capture_output=True, text=True, check=check
        )

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"the instance on port {self.port} is already running")
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [str(NCEN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"ncen serve exited: {self.log_tail()}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url + "/readyz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"ncen serve not ready in {STARTUP_SECONDS:g} s: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        path = self.data_dir / "server.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a crash or a pulled plug."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end in time."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def served_instance(
    data_dir: Path,
    *,
    modules: Sequence[str] | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    init_args: Sequence[str] = (),
) -> Iterator[ServedInstance]:
    """An initialised instance served on a free loopback port; stopped on leaving."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCEN_")}
    env.update({"NCEN_DATA_DIR": str(data_dir)})
    if modules is not None:
        env["NCEN_MODULES"] = ",".join(modules)
    if database_url is not None:
        env["NCEN_DATABASE_URL"] = database_url
    env.update(environ or {})
    instance = ServedInstance(data_dir, env)
    instance.ncen("init", *init_args)
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
