"""`ncen-launcher`: runs the active version of ncen, and supervises `serve` across updates.

    ncen-launcher [--config FILE] serve [serve options]   # what a service manager runs
    ncen-launcher [--config FILE] COMMAND ...             # any ncen command, from the active version

It reads only the configuration (for the data directory), never the modules, so it works
whatever version is active. For `serve` it stays the parent of the server:

1. before starting the server, an interrupted apply is recovered (`ncen update recover`) and a
   requested one applied (`ncen update apply --requested`), both run by the active version;
2. it starts `ncen serve` of the active version (`updates/current/bin/ncen`, else the base's);
3. on SIGUSR1 (sent by the server after GraphQL `applyUpdate` or the `all` policy) it stops the
   server and goes back to 1, so the new version, or the old one after a rollback, serves next;
4. SIGTERM and SIGINT are passed on to the server, and the launcher exits with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.config import CONFIG_ENV, load_config
from core.errors import NcenError
from plugins.update_manager.paths import UpdatePaths, read_json

LAUNCHER_ENV = "NCEN_LAUNCHER_PID"


def _config_path(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--config" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return os.environ.get(CONFIG_ENV)


def _command(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def active_ncen(paths: UpdatePaths) -> Path:
    current = paths.current / "bin" / "ncen"
    if current.exists():
        return current
    base = read_json(paths.root / "base.json")
    if base and Path(base["ncen"]).exists():
        return Path(base["ncen"])
    return Path(sys.executable).parent / "ncen"


def _run_step(paths: UpdatePaths, argv_config: list[str], *args: str) -> int:
    ncen = active_ncen(paths)
    return subprocess.call([str(ncen), *argv_config, *args])


class Supervisor:
    def __init__(self, paths: UpdatePaths, argv: list[str]) -> None:
        self.paths = paths
        self.argv = argv
        self.config_args = ["--config", _config_path(argv)] if _config_path(argv) else []
        self.child: subprocess.Popen | None = None  # type: ignore[type-arg]
        self.update_requested = False
        self.stopping: int | None = None

    def _on_update(self, _signum: int, _frame: object) -> None:
        self.update_requested = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def _on_stop(self, signum: int, _frame: object) -> None:
        self.stopping = signum
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def _prepare(self) -> None:
        journal = read_json(self.paths.journal)
        if journal is None:
            return
        if journal.get("state") == "requested":
            code = _run_step(self.paths, self.config_args, "update", "apply", "--requested")
        else:
            code = _run_step(self.paths, self.config_args, "update", "recover")
        if code != 0:
            print(f"ncen-launcher: the update step exited with {code}", file=sys.stderr)

    def run(self) -> int:
        signal.signal(signal.SIGUSR1, self._on_update)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.paths.launcher_pid.write_text(str(os.getpid()))
        try:
            while True:
                self.update_requested = False
                self._prepare()
                if self.stopping is not None:
                    return 128 + self.stopping
                env = {**os.environ, LAUNCHER_ENV: str(os.getpid())}
                self.child = subprocess.Popen([str(active_ncen(self.paths)), *self.argv], env=env)
                code = self._wait()
                if self.stopping is not None:
                    return code
                if not self.update_requested:
                    return code  # the server ended by itself: the service manager decides
        finally:
            if self.paths.launcher_pid.exists() and self.paths.launcher_pid.read_text() == str(
                os.getpid()
            ):
                self.paths.launcher_pid.unlink()

    def _wait(self) -> int:
        assert self.child is not None
        while True:
            try:
                return self.child.wait()
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
                time.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(_config_path(argv))
    except NcenError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    paths = UpdatePaths.of(config)
    if _command(argv) == "serve":
        sys.exit(Supervisor(paths, argv).run())
    ncen = active_ncen(paths)
    os.execv(str(ncen), [str(ncen), *argv])
