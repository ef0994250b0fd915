"""The `ncen` command line as an operator meets it: help everywhere, the first commands work,
and every operator error is one line on stderr with a non-zero exit status, never a traceback."""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from core.cli import LAZY_GROUPS, cli
from core.config import BUILTIN_MODULES, CONFIG_ENV, SETTINGS, Config, _env_name
from core.instance import Instance

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"


def _subcommands(group: click.Group) -> dict[str, click.Command]:
    """A group's commands as click resolves them (the root group imports some on demand)."""
    ctx = click.Context(group)
    found = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def _command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group, so new commands are checked without editing this test."""
    paths = []
    for name, command in sorted(_subcommands(group).items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


def _is_group(path: tuple[str, ...]) -> bool:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = _subcommands(command)[name]
    return isinstance(command, click.Group)


COMMANDS = _command_paths()
LEAF_COMMANDS = [path for path in COMMANDS if not _is_group(path)]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A clean configuration environment: only a data dir in tmp_path, wide tables."""
    for section, keys in SETTINGS.items():
        for key in keys:
            monkeypatch.delenv(_env_name(section, key), raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    yield {"NCEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


def invoke(env: dict[str, str], *args: str, **extra_env: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj={}, env={**env, **extra_env})


def ok(env: dict[str, str], *args: str, **extra_env: str) -> str:
    result = invoke(env, *args, **extra_env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def table_rows(output: str) -> dict[str, list[str]]:
    """Rows of a rich table, keyed by their first cell."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells:
            rows[cells[0]] = cells
    return rows


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code != 0, result.output
    # An uncaught exception would be here instead of the SystemExit that click raises.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_help(env: dict[str, str]) -> None:
    output = ok(env, "--help")
    names = _subcommands(cli)
    assert set(LAZY_GROUPS) <= set(names)
    for name, command in names.items():
        assert name in output
        assert command.name == name


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help(env: dict[str, str], path: tuple[str, ...]) -> None:
    output = ok(env, *path, "--help")
    assert "Usage:" in output and " ".join(path) in output


@pytest.mark.parametrize("path", LEAF_COMMANDS, ids=" ".join)
def test_every_command_is_documented(path: tuple[str, ...]) -> None:
    heading = f"## ncen {' '.join(path)}"
    headings = re.findall(r"^##+ .*$", CLI_DOC.read_text(encoding="utf-8"), re.M)
    assert any(h.strip("# ").startswith(heading.strip("# ")) for h in headings), (
        f"`ncen {' '.join(path)}` has no `{heading}` section in docs/cli.md"
    )


def test_init_then_db_current_shows_core_up_to_date(env: dict[str, str]) -> None:
    output = ok(env, "init")
    assert "database schema and reference data up to date: core" in output
    assert (Path(env["NCEN_DATA_DIR"]) / "ncen-init.json").exists()
    rows = table_rows(ok(env, "db", "current"))
    assert rows["core"][1] == "yes"
    assert rows["core"][-1] == "up to date"


def test_modules_lists_builtins_enabled_by_default(env: dict[str, str]) -> None:
    rows = table_rows(ok(env, "modules"))
    for name in BUILTIN_MODULES:
        assert rows[name][2] == "yes", rows


def test_modules_follow_ncen_modules(env: dict[str, str]) -> None:
    rows = table_rows(ok(env, "modules", NCEN_MODULES="seizures"))
    assert rows["seizures"][2] == "yes"
    for name in set(BUILTIN_MODULES) - {"seizures"}:
        assert rows[name][2] == "no", rows


def test_graphql_export_prints_sdl(env: dict[str, str]) -> None:
    sdl = ok(env, "graphql", "export")
    assert re.search(r"^type Query \{", sdl, re.M), sdl[:500]
    assert "modules" in sdl


def test_unknown_module_is_one_line(env: dict[str, str]) -> None:
    result = invoke(env, "modules", NCEN_MODULES="seizures,nosuch")
    assert_one_line_error(result, "nosuch", "not installed")


def test_bad_config_value_is_one_line(env: dict[str, str]) -> None:
    result = invoke(env, "modules", NCEN_GRAPHQL_MAX_DEPTH="abc")
    assert_one_line_error(result, "NCEN_GRAPHQL_MAX_DEPTH", "'abc'")


def test_unknown_config_key_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "ncen.toml"
    config.write_text('[ncen]\ncountry = "FR"\nmodulez = ["seizures"]\n', encoding="utf-8")
    result = invoke(env, "--config", str(config), "modules")
    assert_one_line_error(result, "ncen.modulez")


def test_missing_config_file_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ncen.toml"
    assert_one_line_error(invoke(env, "--config", str(missing), "modules"), str(missing))
    assert_one_line_error(invoke(env, "modules", **{CONFIG_ENV: str(missing)}), str(missing))


def test_serve_refuses_a_data_dir_that_was_never_initialised(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    def must_not_serve(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("ncen serve started a server on an uninitialised data dir")

    monkeypatch.setattr(uvicorn, "run", must_not_serve)
    assert_one_line_error(invoke(env, "serve", "--port", "1"), "run `ncen init` first")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """What `ncen serve` hands uvicorn, and the garbage collector's state at that moment."""
    import uvicorn

    handed: dict[str, object] = {}

    def run(app: object, **options: object) -> None:
        handed.update(app=app, gc_enabled=gc.isenabled(), frozen=gc.get_freeze_count(), **options)

    monkeypatch.setattr(uvicorn, "run", run)
    yield handed
    gc.unfreeze()  # serve froze this test process's objects; give them back to the collector


def test_serve_hands_uvicorn_the_instance_it_checked(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, served: dict[str, object]
) -> None:
    import core.instance

    ok(env, "init")
    built: list[Instance] = []

    def counted(config: Config, **kwargs: object) -> Instance:
        built.append(Instance(config, **kwargs))  # type: ignore[arg-type]
        return built[-1]

    monkeypatch.setattr(core.instance, "Instance", counted)
    ok(env, "serve", "--port", "1")
    app = served["app"]
    assert served["factory"] is False and not isinstance(app, str)
    assert [app.state.instance] == built  # type: ignore[attr-defined]
    assert not built[0].started
    # Built with the collector paused, then frozen; collecting again before serving.
    assert served["gc_enabled"] is True and served["frozen"]


def test_importing_the_cli_imports_no_command_and_no_instance() -> None:
    """Each command imports what it needs: `ncen serve` then builds its instance, imports
    included, with the garbage collector paused, and loads no other command's code."""
    code = (
        "import sys; from core.cli import LAZY_GROUPS, cli; "
        "modules = {path.partition(':')[0] for path in LAZY_GROUPS.values()}; "
        "heavy = (*modules, 'rich', 'core.instance', 'sqlalchemy', 'strawberry'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_serve_refuses_a_schema_behind_the_code(
    env: dict[str, str], served: dict[str, object]
) -> None:
    ok(env, "init", NCEN_MODULES="seizures")
    result = invoke(env, "serve", "--port", "1")
    assert_one_line_error(
        result,
        "behind for ['companies', 'icomm', 'intelligence', 'suspects', 'update_manager']",
        "ncen db upgrade",
    )
    assert not served and gc.isenabled()
    ok(env, "serve", "--port", "1", NCEN_MODULES="seizures")
    assert served


def test_serve_refuses_workers_on_sqlite(env: dict[str, str]) -> None:
    ok(env, "init")
    assert_one_line_error(invoke(env, "serve", "--workers", "2"), "PostgreSQL")


def test_console_script_prints_errors_without_traceback(tmp_path: Path) -> None:
    """The installed `ncen` entry point, in a real process: stderr is the one line."""
    script = Path(sys.executable).with_name("ncen")
    command = str(script) if script.exists() else shutil.which("ncen")
    if command is None:
        pytest.skip("the ncen console script is not installed")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NCEN_")}
    environ.update(NCEN_DATA_DIR=str(tmp_path / "data"), NCEN_MODULES="nosuch")
    done = subprocess.run(
        [command, "modules"], capture_output=True, text=True, env=environ, timeout=60, check=False
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "nosuch" in lines[0]
