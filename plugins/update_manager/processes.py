"""Child processes of an apply (pip, migrations, the health-check server, pg_dump): they die
with the process that started them, so a killed apply leaves none running behind it."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence

from plugins.update_manager.errors import UpdateError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return preexec


DIE_WITH_PARENT = _die_with_parent()


def popen(args: Sequence[str], **kwargs) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    return subprocess.Popen(list(args), preexec_fn=DIE_WITH_PARENT, **kwargs)


def run_checked(
    args: Sequence[str],
    *,
    what: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    input_file: str | None = None,
) -> str:
    """Run to completion; on failure, an UpdateError saying what failed with the output's tail."""
    stdin = open(input_file, "rb") if input_file else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = popen(
            args, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise UpdateError(f"{what}: no answer within {timeout:g} s") from None
    except FileNotFoundError as exc:
        raise UpdateError(f"{what}: {exc.filename} not found") from None
    finally:
        if input_file:
            stdin.close()  # type: ignore[union-attr]
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise UpdateError(f"{what} failed: {tail(text)}")
    return text


def tail(text: str, lines: int = 3) -> str:
    """The last non-empty lines of an output, on one line."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "(no output)"


def stop(process: subprocess.Popen, grace: float = 10) -> None:  # type: ignore[type-arg]
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
