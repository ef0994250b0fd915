"""The entry points a newcomer and CI use — README, Makefile, .ci/run — stay what they promise.

These are cheap static checks; `.ci/run` itself is exercised by CI, which runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"


def test_ci_run_is_an_executable_strict_bash_script() -> None:
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert os.access(CI_RUN, os.X_OK), ".ci/run must be executable (git update-index --chmod=+x)"
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to check the syntax with")
    subprocess.run([bash, "-n", str(CI_RUN)], check=True, timeout=30)


def test_ci_run_cannot_pass_without_postgresql() -> None:
    text = CI_RUN.read_text(encoding="utf-8")
    assert "export NCEN_TEST_POSTGRESQL_URL=" in text
    assert "export NCEN_REQUIRE_POSTGRESQL=1" in text
    assert "trap cleanup EXIT" in text
    assert "make test" in text


def _dry_run(target: str, **variables: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    args = [make, "-n", "-C", str(ROOT), target, *(f"{k}={v}" for k, v in variables.items())]
    # A fresh VENV path: the dry run shows every step from a machine with only python3.
    return subprocess.run(
        args, capture_output=True, text=True, check=True, timeout=30, env=os.environ
    ).stdout


def test_make_run_builds_the_venv_initialises_and_serves(tmp_path: Path) -> None:
    out = _dry_run("run", VENV=str(tmp_path / "venv"))
    assert "-m venv" in out
    assert "pip install" in out
    assert "ncen init --demo --if-needed" in out
    assert "ncen serve --host 127.0.0.1 --port 8000" in out


def test_make_test_lints_then_runs_pytest(tmp_path: Path) -> None:
    out = _dry_run("test", VENV=str(tmp_path / "venv"), PYTEST_ARGS="-k smoke")
    assert out.index("ruff check") < out.index("ruff format --check") < out.index("-m pytest")
    assert "-m pytest -k smoke" in out
    assert ".[dev]" in out


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:400]
    assert "make run" in head and "make test" in head
