"""Helpers of the update manager's tests: wheels of the fixture module `stock` built from
tests/update_fixtures/stock, a signed repository of its releases, an instance that runs
release 1 from a side-by-side environment, and the command line run as real processes."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from plugins.update_manager.repository import DirectoryRepository, add_release, init_repository
from plugins.update_manager.repository import publish as publish_repository

FIXTURE = Path(__file__).parent / "update_fixtures" / "stock"
BIN = Path(sys.executable).parent
# Migrations shipped by each release of the fixture module.
MIGRATIONS = {
    1: ["stock_0001_items"],
    2: ["stock_0001_items", "stock_0002_quantity"],
    3: ["stock_0001_items", "stock_0002_quantity", "stock_0003_broken"],
    4: ["stock_0001_items", "stock_0002_quantity", "stock_0003_bump"],
}
STOCK = "ncen-stock"


def build_stock_wheel(version: str, out: Path) -> Path:
    """The fixture module's wheel at `version` (its release is the major number)."""
    from flit_core.wheel import make_wheel_in

    release = int(version.split(".")[0])
    source = out / f"src-{version}"
    shutil.copytree(FIXTURE, source, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (source / "pyproject.toml", source / "ncen_stock" / "__init__.py"):
        path.write_text(path.read_text().replace("0.0.0", version))
    for script in (source / "ncen_stock" / "migrations").glob("*.py"):
        if script.stem not in MIGRATIONS[release]:
            script.unlink()
    return make_wheel_in(source / "pyproject.toml", out).file


def write_spec(folder: Path, **fields) -> Path:  # type: ignore[no-untyped-def]
    """A release spec (TOML) in `folder`, whose globs are relative to it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    path = folder / "release.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def stock_spec(work: Path, wheel: Path) -> Path:
    version = re.search(r"-(\d+\.\d+\.\d+)-", wheel.name).group(1)
    release = int(version.split(".")[0])
    folder = work / f"spec-{version}"
    (folder / "wheels").mkdir(parents=True, exist_ok=True)
    shutil.copy2(wheel, folder / "wheels" / wheel.name)
    (folder / "NOTES.md").write_text(f"Stock {version}.\n")
    upgrades = {1: None, 2: "1.0.0", 3: "1.0.0", 4: "1.0.0"}[release]
    fields = {
        "name": STOCK,
        "kind": "module",
        "version": version,
        "modules": ["stock"],
        "migrations": {1: [], 2: ["stock_0002"], 3: ["stock_0003"], 4: ["stock_0003"]}[release],
        "requirements": [f"{STOCK}=={version}"],
        "wheels": ["wheels/*.whl"],
        "notes": "NOTES.md",
    }
    if upgrades:
        fields["upgrades_from"] = upgrades
    return write_spec(folder, **fields)


def data_spec(work: Path, version: str, list_name: str, entries: list[dict]) -> Path:
    folder = work / f"data-{list_name}-{version}"
    (folder / "codelists").mkdir(parents=True, exist_ok=True)
    (folder / "codelists" / f"{list_name}.json").write_text(
        json.dumps({"name": list_name, "entries": entries})
    )
    return write_spec(
        folder,
        name="ncen-codelists",
        kind="data",
        version=version,
        code_lists=["codelists/*.json"],
    )


def build_repository(work: Path, specs: list[Path]) -> tuple[Path, Path]:
    """A published repository with the given releases; returns (repo, keys)."""
    repo, keys = work / "repo", work / "keys"
    init_repository(repo, keys)
    repository = DirectoryRepository(repo, keys)
    for spec in specs:
        add_release(repository, spec)
    publish_repository(repository)
    return repo, keys


@contextmanager
def serve_directory(folder: Path) -> Iterator[str]:
    """A local HTTP server for a repository directory (the online case)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def write_config(
    path: Path, data_dir: Path, database_url: str, root: Path, repository: str = "none"
) -> Path:
    path.write_text(
        "[ncen]\n"
        f"data_dir = {json.dumps(str(data_dir))}\n"
        f"database_url = {json.dumps(database_url)}\n"
        'modules = ["update_manager", "stock"]\n'
        "[ncen.auth]\n"
        "argon2_time_cost = 1\nargon2_memory_cost = 8\nargon2_parallelism = 1\n"
        "[ncen.module.update_manager]\n"
        f"trusted_root = {json.dumps(str(root))}\n"
        f"repository_url = {json.dumps(repository)}\n"
    )
    return path


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCEN_")}
    env.update(extra)
    return env


def launcher(  # type: ignore[no-untyped-def]
    config: Path, *args: str, check: bool = True, input_text: str | None = None, **env: str
):
    """`ncen-launcher --config CONFIG ARGS...` to completion."""
    result = subprocess.run(
        [str(BIN / "ncen-launcher"), "--config", str(config), *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=environment(**env),
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"ncen-launcher {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
        )
    return result


def install_release_1(config: Path, data_dir: Path, wheel: Path) -> str:
    """The instance's starting point: stock 1.0.0 in a side-by-side environment made active,
    then `ncen init` through the launcher. Returns the environment id."""
    from plugins.update_manager import environments
    from plugins.update_manager.manifest import Manifest
    from plugins.update_manager.paths import UpdatePaths

    paths = UpdatePaths(data_dir / "updates")
    paths.root.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.from_dict(
        {
            "name": STOCK,
            "kind": "module",
            "version": "1.0.0",
            "requirements": [f"{STOCK}==1.0.0"],
            "wheels": [wheel.name],
        }
    )
    wheelhouse = wheel.parent / "release-1"
    wheelhouse.mkdir(exist_ok=True)
    shutil.copy2(wheel, wheelhouse / wheel.name)
    base = environments.base_environment(paths)
    created = environments.create(paths, "0-stock-1.0.0", manifest, wheelhouse, base)
    environments.switch(paths, created.id)
    launcher(config, "init")
    return created.id
