"""`make run` leaves no server behind when it is stopped, by Ctrl-C or by a supervisor's SIGTERM.

Real processes: make, the recipe and the server, on a free loopback port. The server must be the
recipe's own process (`exec`), so that the signal make passes on reaches it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def start_make_run(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    make = shutil.which("make")
    if make is None or not (VENV / "bin" / "ncen").exists():
        pytest.skip("needs make and ncen installed in the running virtual environment")
    data = tmp_path / "data"
    env = {**os.environ, "NCEN_ADMIN_PASSWORD": "a long enough test password 42"}
    env.pop("NCEN_CONFIG", None)
    # Initialised beforehand without demo data, so that `make run` starts in seconds.
    subprocess.run(
        [str(VENV / "bin" / "ncen"), "init"],
        env={**env, "NCEN_DATA_DIR": str(data)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    command = [
        make,
        "-C",
        str(ROOT),
        "-o",
        f"{VENV}/.installed",  # installed already: never reinstall from a test
        "run",
        f"VENV={VENV}",
        f"DATA_DIR={data}",
        f"PORT={port}",
    ]
    log = (tmp_path / "make.log").open("wb")
    # Its own process group, like a terminal's foreground job.
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while not serving(port):
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail((tmp_path / "make.log").read_text())
        time.sleep(0.2)
    return process


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda make: os.killpg(make.pid, signal.SIGINT), id="ctrl-c"),
        pytest.param(lambda make: make.send_signal(signal.SIGTERM), id="sigterm-to-make"),
    ],
)
def test_stopping_make_run_stops_the_server(tmp_path: Path, stop) -> None:
    port = free_port()
    make = start_make_run(tmp_path, port)
    try:
        below = descendants(make.pid)
        assert below, "make has started no process"
        stop(make)
        make.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in below if alive(pid)]
        assert left == [], f"processes left after make stopped: {left}"
        assert not serving(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)  # only this test's own process group
