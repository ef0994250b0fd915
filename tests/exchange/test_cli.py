"""`ncen export` and `ncen import` as an operator runs them: a round trip through a file, bad
rows refused with one line each and exit status 1, errors without tracebacks."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from core.cli import cli
from core.config import CONFIG_ENV, SETTINGS, _env_name

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "exchange"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for section, keys in SETTINGS.items():
        for key in keys:
            monkeypatch.delenv(_env_name(section, key), raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    yield {"NCEN_DATA_DIR": str(tmp_path / "data"), "NCEN_MODULES": "seizures", "COLUMNS": "200"}


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj={}, env=env, input="pass-phrase-for-tests\n")


def test_import_then_export_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init").exit_code == 0
    created = invoke(env, "user", "create", "clerk", "--role", "officer", "--password-stdin")
    assert created.exit_code == 0, created.output
    mapping = str(EXAMPLES / "seizures-mapping.toml")
    register = str(EXAMPLES / "seizures-register.csv")

    checked = invoke(
        env,
        "import",
        register,
        "--module",
        "seizures",
        "--mapping",
        mapping,
        "--as",
        "clerk",
        "--dry-run",
    )
    assert checked.exit_code == 0, checked.output
    assert "checked: 3 rows, would create 3" in checked.stdout

    done = invoke(
        env, "import", register, "--module", "seizures", "--mapping", mapping, "--as", "clerk"
    )
    assert done.exit_code == 0 and "done: 3 rows, created 3" in done.stdout, done.output

    out = tmp_path / "out.csv"
    exported = invoke(
        env,
        "export",
        "seizures",
        "--as",
        "clerk",
        "--output",
        str(out),
        "--filter",
        '{"area": ["drugs"]}',
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 2 and {r["nationalCaseNumber"] for r in rows} == {
        "R-2026-001",
        "R-2026-002",
    }

    bad = tmp_path / "bad.csv"
    bad.write_text("seizureDate,place.country,area\n2026-03-05,NL,nonsense\n", encoding="utf-8")
    refused = invoke(
        env,
        "import",
        str(bad),
        "--module",
        "seizures",
        "--as",
        "clerk",
        "--report",
        str(tmp_path / "report.csv"),
    )
    assert refused.exit_code == 1
    assert "row 2, column 'area': UNKNOWN_CODE" in refused.stderr
    assert "UNKNOWN_CODE" in (tmp_path / "report.csv").read_text()

    nobody = invoke(env, "export", "seizures", "--as", "ghost", "--output", str(out))
    assert nobody.exit_code == 1 and "no active account 'ghost'" in nobody.output
    assert "Traceback" not in nobody.output
