"""The event hooks fire when documented: on_startup at start, on_shutdown once at stop, and
load_demo_data from `ncen init --demo` and `ncen demo`, always in dependency order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from core import cli
from core.config import SETTINGS, _env_name
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo


class Recorder:
    """Plugins append `(hook, module)` here so a test can check what ran, and in which order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.instances: list[Instance] = []
        self.demo_sizes: list[tuple[str, int]] = []


class Base:
    """A module without tables: its hooks only record that they ran."""

    info: ModuleInfo

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        self.recorder.instances.append(instance)
        self.recorder.events.append(("on_startup", self.info.name))

    @hookimpl
    def on_shutdown(self, instance: Instance) -> None:  # a plain function is allowed too
        self.recorder.events.append(("on_shutdown", self.info.name))

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        async with instance.db.session() as session:  # the database is usable here
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
        self.recorder.demo_sizes.append((self.info.name, size))


class Upstream(Base):
    info = ModuleInfo(name="lc_upstream", version="1.0.0", label="Lifecycle upstream (test)")


class Downstream(Base):
    info = ModuleInfo(
        name="lc_downstream",
        version="1.0.0",
        label="Lifecycle downstream (test)",
        requires=("lc_upstream",),
    )


# Enabled in the "wrong" order on purpose: hooks must still run upstream first.
ENABLED = ["lc_downstream", "lc_upstream"]
IN_ORDER = ["lc_upstream", "lc_downstream"]


async def test_on_startup_and_on_shutdown_run_once_in_dependency_order(make_app) -> None:
    recorder = Recorder()
    app = await make_app(modules=ENABLED, extra_modules=[Downstream(recorder), Upstream(recorder)])
    assert recorder.events == [("on_startup", name) for name in IN_ORDER]
    assert all(instance is app.instance for instance in recorder.instances)

    await app.close()
    assert recorder.events[2:] == [("on_shutdown", name) for name in IN_ORDER]
    await app.instance.stop()  # stopping twice does not fire on_shutdown twice
    assert len(recorder.events) == 4


async def test_disabled_module_hooks_do_not_fire(make_app) -> None:
    recorder = Recorder()
    app = await make_app(
        modules=["lc_upstream"], extra_modules=[Downstream(recorder), Upstream(recorder)]
    )
    await app.close()
    assert recorder.events == [("on_startup", "lc_upstream"), ("on_shutdown", "lc_upstream")]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """The CLI with the two test modules installed in-process and enabled."""
    for section, keys in SETTINGS.items():
        for key in keys:
            monkeypatch.delenv(_env_name(section, key), raising=False)
    monkeypatch.delenv("NCEN_CONFIG", raising=False)
    monkeypatch.setenv("NCEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NCEN_MODULES", ",".join(ENABLED))
    yield Recorder()


def _invoke(recorder: Recorder, *args: str) -> str:
    """Run `ncen ARGS` with the two test modules given in-process (as an embedding would)."""
    plugins = [Downstream(recorder), Upstream(recorder)]
    result = CliRunner().invoke(
        cli.cli, list(args), obj={"extra_modules": plugins}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_load_demo_data_from_init_and_demo_commands(cli_env: Recorder) -> None:
    output = _invoke(cli_env, "init", "--demo", "--demo-size", "3")
    assert "demo data loaded (3 records per module that has demo data)" in output
    assert cli_env.demo_sizes == [("lc_upstream", 3), ("lc_downstream", 3)]

    _invoke(cli_env, "init", "--demo", "--if-needed")  # on an initialised dir: adds nothing
    assert len(cli_env.demo_sizes) == 2

    _invoke(cli_env, "demo", "--size", "2")
    assert cli_env.demo_sizes[2:] == [("lc_upstream", 2), ("lc_downstream", 2)]
    # Neither command serves, so neither starts the instance.
    assert cli_env.events == []
