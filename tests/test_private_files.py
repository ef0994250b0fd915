"""The data directory is the server's alone whatever the umask, and demo passwords are shown
once by `ncen init`, never again by `ncen serve`."""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli_basics import env, ok  # noqa: F401  (the fixture)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a login shell, which made the files world-readable."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_and_start_leave_private_files(env, open_umask, tmp_path) -> None:  # noqa: F811
    data = Path(env["NCEN_DATA_DIR"])
    data.mkdir(mode=0o755)  # made by an earlier version, or by hand
    os.chmod(data, 0o755)
    output = ok(env, "init", "--demo", "--demo-size", "2")
    assert mode(data) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    directories = [p for p in data.rglob("*") if p.is_dir()]
    assert {p.name for p in files} >= {"ncen.db", "demo-logins.txt"}
    assert any(p.parent.name == "search" for p in files)
    loose = [str(p) for p in files if mode(p) & 0o077] + [
        str(p) for p in directories if mode(p) & 0o077
    ]
    assert loose == []
    # The passwords were shown here, once.
    assert re.search(r"demo user `officer` created; password: \S+", output)


def test_serve_prints_where_the_demo_logins_are_not_the_passwords(
    env,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    ok(env, "init", "--demo", "--demo-size", "1")
    logins = Path(env["NCEN_DATA_DIR"]) / "demo-logins.txt"
    passwords = [line.split()[1] for line in logins.read_text().splitlines()]
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **_kwargs: None)
    try:
        output = ok(env, "serve", "--port", "1")
    finally:
        gc.unfreeze()  # serve froze this test process's objects
    assert str(logins) in output
    assert not [p for p in passwords if p in output]
