"""Acceptance of the update manager with real processes: a signed repository of the fixture
module `stock` (releases built from tests/update_fixtures/stock), an instance running release 1
from a side-by-side environment, updated by `ncen-launcher update apply` online (a local HTTP
server) and offline (a directory); a failing migration and a new version that cannot start are
rolled back with the old version serving and the data intact; a kill -9 in the middle of a
migration leaves a consistent instance after the next start; and GraphQL `applyUpdate` through
the launcher."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.testing import throwaway_postgresql
from plugins.update_manager.health import spare_port
from plugins.update_manager.paths import UpdatePaths, read_json
from tests.update_helpers import (
    BIN,
    build_repository,
    build_stock_wheel,
    environment,
    install_release_1,
    launcher,
    serve_directory,
    stock_spec,
    write_config,
)

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "update-admin-password-1234"


@pytest.fixture(scope="session")
def stock_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of releases 1-4 and a repository of releases 2-4, built once per session."""
    work = tmp_path_factory.mktemp("stock")
    wheels = {v: build_stock_wheel(v, work) for v in ("1.0.0", "2.0.0", "3.0.0", "4.0.0")}
    repo, _keys = build_repository(
        work, [stock_spec(work, wheels[v]) for v in ("2.0.0", "3.0.0", "4.0.0")]
    )
    return {"repo": repo, "wheel1": wheels["1.0.0"]}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ncen.db'}"
        return
    with throwaway_postgresql() as [url]:
        yield url


@dataclass
class Site:
    """An instance running stock release 1, with one item of stock in its database."""

    config: Path
    data_dir: Path
    database_url: str
    release_1: str

    @property
    def paths(self) -> UpdatePaths:
        return UpdatePaths(self.data_dir / "updates")

    def sql(self, statement: str) -> list[tuple]:
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.split("///", 1)[1]) as conn:
                return conn.execute(statement).fetchall()

        async def run() -> list[tuple]:
            import asyncpg

            conn = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
            try:
                if statement.lstrip().upper().startswith("SELECT"):
                    return [tuple(r) for r in await conn.fetch(statement)]
                await conn.execute(statement)
                return []
            finally:
                await conn.close()

        return asyncio.run(run())

    def active(self) -> str:
        return os.readlink(self.paths.current).rsplit("/", 1)[-1]

    def columns(self) -> set[str]:
        if self.database_url.startswith("sqlite"):
            return {row[1] for row in self.sql("PRAGMA table_info(stock_item)")}
        rows = self.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'stock_item'"
        )
        return {row[0] for row in rows}

    def history(self) -> list[tuple]:
        return self.sql(
            "SELECT release_name, version, state FROM update_manager_history ORDER BY id"
        )


def make_site(tmp_path: Path, database_url: str, build: dict[str, Path], repository="none") -> Site:
    data_dir = tmp_path / "data"
    root = build["repo"] / "metadata" / "1.root.json"
    config = write_config(tmp_path / "ncen.toml", data_dir, database_url, root, repository)
    release_1 = install_release_1(config, data_dir, build["wheel1"])
    site = Site(config, data_dir, database_url, release_1)
    site.sql("INSERT INTO stock_item (name) VALUES ('crate of oranges')")
    return site


@pytest.mark.parametrize("transport", ["offline", "online"])
def test_module_update_online_and_offline(tmp_path, database, stock_build, transport):
    with contextlib.ExitStack() as stack:
        if transport == "online":  # the repository on a local HTTP server
            url = stack.enter_context(serve_directory(stock_build["repo"]))
            site = make_site(tmp_path, database, stock_build, repository=url)
            origin = []
        else:  # a directory, as on removable media
            site = make_site(tmp_path, database, stock_build)
            origin = ["--from", str(stock_build["repo"])]
        result = launcher(site.config, "update", "apply", "ncen-stock", "2.0.0", *origin)
        assert "ncen-stock 2.0.0 applied" in result.stdout
        assert site.active() != site.release_1 and site.active().endswith("ncen-stock-2.0.0")
        assert site.sql("SELECT name, quantity FROM stock_item") == [("crate of oranges", 1)]
        assert site.history() == [("ncen-stock", "2.0.0", "applied")]
        assert site.sql("SELECT action FROM core_audit_event WHERE action LIKE 'update.%'") == [
            ("update.applied",)
        ]
        assert not site.paths.journal.exists()
        status = launcher(site.config, "update", "status").stdout
        assert "installed: ncen-stock 2.0.0" in status
        # The same release again is refused, and nothing changes.
        again = launcher(site.config, "update", "apply", "ncen-stock", "2.0.0", check=False)
        assert again.returncode == 1
        assert again.stderr.strip() == (
            "Error: ncen-stock 2.0.0 is the same as the installed version 2.0.0: refused"
        )
        assert site.history() == [("ncen-stock", "2.0.0", "applied")]


@pytest.mark.parametrize(
    ("version", "cause"),
    [
        ("3.0.0", "stock_0003 fails on purpose"),
        ("4.0.0", "stock release 4 cannot start"),
    ],
    ids=["failing-migration", "failing-health-check"],
)
def test_a_failed_update_rolls_back_and_the_old_version_serves(
    tmp_path, database, stock_build, version, cause
):
    site = make_site(tmp_path, database, stock_build)
    result = launcher(
        site.config,
        "update",
        "apply",
        "ncen-stock",
        version,
        "--from",
        str(stock_build["repo"]),
        check=False,
    )
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Error: ncen-stock {version} was rolled back:")
    assert cause in error
    assert error.endswith(f"The database is as it was and {site.release_1} stays active")
    assert site.active() == site.release_1
    assert not (
        site.paths.versions
        / json.loads((sorted(site.paths.journal_archive.iterdir())[-1]).read_text())["id"]
    ).exists()
    assert site.columns() == {"id", "name"}  # release 4 migrated; the backup was restored
    assert site.sql("SELECT name FROM stock_item") == [("crate of oranges",)]
    assert site.history() == [("ncen-stock", version, "rolled_back")]
    with served(site) as client:
        body = client.post("/graphql", json={"query": "{ stockRelease stockItems { name } }"})
        assert body.json()["data"] == {
            "stockRelease": 1,
            "stockItems": [{"name": "crate of oranges"}],
        }


class served:
    """`ncen-launcher serve` on a spare port, as a service manager runs it."""

    def __init__(self, site: Site, **env: str) -> None:
        self.site = site
        self.port = spare_port()
        self.env = env

    def __enter__(self) -> httpx.Client:
        self.process = subprocess.Popen(
            [
                str(BIN / "ncen-launcher"),
                "--config",
                str(self.site.config),
                "serve",
                "--port",
                str(self.port),
            ],
            env=environment(NCEN_ADMIN_PASSWORD=ADMIN_PASSWORD, **self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        wait_ready(self.client, self.process)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_ready(client: httpx.Client, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stdout.read().decode()}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("server not ready")


def test_kill_9_during_the_migration_then_the_next_start_rolls_back(
    tmp_path, database, stock_build
):
    site = make_site(tmp_path, database, stock_build)
    marker = tmp_path / "in-migration"
    apply = subprocess.Popen(
        [
            str(BIN / "ncen-launcher"),
            "--config",
            str(site.config),
            "update",
            "apply",
            "ncen-stock",
            "2.0.0",
            "--from",
            str(stock_build["repo"]),
        ],
        env=environment(NCEN_STOCK_MIGRATION_MARKER=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert apply.poll() is None, apply.stdout.read().decode()
        assert time.monotonic() < deadline, "the migration never started"
        time.sleep(0.05)
    apply.send_signal(signal.SIGKILL)
    apply.wait()
    journal = read_json(site.paths.journal)
    assert journal["state"] == "migrating"

    with served(site) as client:  # the next start: the launcher recovers first
        body = client.post("/graphql", json={"query": "{ stockRelease stockItems { name } }"})
        assert body.json()["data"] == {
            "stockRelease": 1,
            "stockItems": [{"name": "crate of oranges"}],
        }
    assert not site.paths.journal.exists()
    assert site.active() == site.release_1
    assert site.columns() == {"id", "name"}
    assert site.history() == [("ncen-stock", "2.0.0", "rolled_back")]
    assert not (site.paths.versions / journal["id"]).exists()


def test_apply_update_through_graphql_restarts_into_the_new_version(tmp_path, stock_build):
    database = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ncen.db'}"
    with serve_directory(stock_build["repo"]) as url:
        site = make_site(tmp_path, database, stock_build, repository=url)
        launcher(
            site.config,
            "user",
            "create",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
            input_text=ADMIN_PASSWORD,
        )
        with served(site) as client:
            token = client.post(
                "/graphql",
                json={
                    "query": 'mutation($p: String!) { login(username: "boss", password: $p) { token } }',
                    "variables": {"p": ADMIN_PASSWORD},
                },
            ).json()["data"]["login"]["token"]
            auth = {"authorization": f"Bearer {token}"}
            found = client.post(
                "/graphql",
                headers=auth,
                json={"query": "{ availableUpdates(refresh: true) { version applicable } }"},
            ).json()["data"]["availableUpdates"]
            assert {"version": "2.0.0", "applicable": True} in found
            answer = client.post(
                "/graphql",
                headers=auth,
                json={
                    "query": 'mutation { applyUpdate(name: "ncen-stock", version: "2.0.0") '
                    "{ accepted applied message } }"
                },
            ).json()["data"]["applyUpdate"]
            assert answer == {
                "accepted": True,
                "applied": False,
                "message": "ncen-stock 2.0.0: the server restarts now to apply it",
            }
            deadline = time.monotonic() + 120
            release = None
            while release != 2:
                assert time.monotonic() < deadline, "the new version never served"
                time.sleep(0.2)
                try:
                    body = client.post("/graphql", json={"query": "{ stockRelease }"}).json()
                    release = (body.get("data") or {}).get("stockRelease")
                except (httpx.HTTPError, ValueError):
                    continue
            items = client.post("/graphql", json={"query": "{ stockItems { name quantity } }"})
            assert items.json()["data"]["stockItems"] == [
                {"name": "crate of oranges", "quantity": 1}
            ]
    assert site.history() == [("ncen-stock", "2.0.0", "applied")]
    assert site.sql(
        "SELECT action, actor_name FROM core_audit_event WHERE action LIKE 'update.%' ORDER BY seq"
    ) == [("update.requested", "boss"), ("update.applied", "boss")]
