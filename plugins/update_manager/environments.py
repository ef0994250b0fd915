"""Side-by-side environments: each applied release gets a fresh one; the active one is chosen by
the `current` pointer that `ncen-launcher` follows.

How an environment layers on the installation (docs/updates.md#environments):

- The **base** is the Python environment ncen was installed into (a venv, usually). It is never
  changed by an update.
- A version environment is a new venv (`versions/<id>/venv`, made with `venv`, no pip of its
  own) whose site-packages holds a `.pth` file adding the base's site-packages *after* its own.
  It therefore sees every package of the base, and its own packages win.
- Into it, pip installs offline (`--no-index`, from the bundle's wheelhouse and the wheels of
  earlier updates kept in `updates/wheels/`) the requirements of every release applied since
  the base, the new release's replacing older pins of the same distribution. Packages the base
  already satisfies are not installed again; newer ones shadow the base's.
- `versions/<id>/bin/ncen` runs that environment's ncen; `updates/current` is a symlink to the
  active `versions/<id>` (absent: the base). Switching replaces the symlink atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

from plugins.update_manager.errors import UpdateError
from plugins.update_manager.manifest import Manifest, canonical, requirement_name
from plugins.update_manager.paths import UpdatePaths, fsync_dir, read_json, write_json
from plugins.update_manager.processes import run_checked

BASE = "base"
ENVIRONMENT_FILE = "environment.json"
BASE_PTH = "_ncen_update_base.pth"


@dataclass(frozen=True)
class Environment:
    """An environment ncen can run from: the base, or `versions/<id>`."""

    id: str
    ncen: Path  # the command that runs ncen from it
    requirements: tuple[str, ...] = ()  # what updates installed on top of the base
    installed: dict[str, str] | None = None  # distribution -> version installed on top
    release: str | None = None

    @property
    def is_base(self) -> bool:
        return self.id == BASE


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def running_environment(paths: UpdatePaths) -> Environment:
    """The environment of this process."""
    prefix = Path(sys.prefix).resolve()
    versions = paths.versions.resolve()
    if prefix.is_relative_to(versions):
        env_id = prefix.relative_to(versions).parts[0]
        return load(paths, env_id)
    return base_environment(paths)


def base_environment(paths: UpdatePaths) -> Environment:
    """The base installation, remembered by the first process that ran from it."""
    recorded = read_json(paths.root / "base.json")
    in_base = not Path(sys.prefix).resolve().is_relative_to(paths.versions.resolve())
    if in_base:
        current = {
            "prefix": sys.prefix,
            "python": sys.executable,
            "site": _site_dirs(),
            "ncen": str(Path(sys.executable).parent / "ncen"),
        }
        if recorded != current:
            write_json(paths.root / "base.json", current)
        recorded = current
    if recorded is None:
        raise UpdateError(f"{paths.root / 'base.json'} is missing: run ncen once from its base")
    return Environment(BASE, Path(recorded["ncen"]))


def base_site_dirs(paths: UpdatePaths) -> list[str]:
    base_environment(paths)
    return read_json(paths.root / "base.json")["site"]


def load(paths: UpdatePaths, env_id: str) -> Environment:
    if env_id == BASE:
        return base_environment(paths)
    raw = read_json(paths.versions / env_id / ENVIRONMENT_FILE)
    if raw is None:
        raise UpdateError(f"environment {env_id} is incomplete (no {ENVIRONMENT_FILE})")
    return Environment(
        env_id,
        paths.versions / env_id / "bin" / "ncen",
        tuple(raw["requirements"]),
        raw["installed"],
        raw.get("release"),
    )


def active_id(paths: UpdatePaths) -> str:
    """What `current` points at: a versions/<id>, or the base."""
    try:
        target = os.readlink(paths.current)
    except FileNotFoundError:
        return BASE
    return Path(target).name


def active_environment(paths: UpdatePaths) -> Environment:
    return load(paths, active_id(paths))


def switch(paths: UpdatePaths, env_id: str) -> None:
    """Make `env_id` the active environment, atomically (a new symlink renamed over the old)."""
    if env_id == BASE:
        with contextlib.suppress(FileNotFoundError):
            paths.current.unlink()
    else:
        tmp = paths.root / "current.new"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(Path("versions") / env_id, tmp)
        os.replace(tmp, paths.current)
    fsync_dir(paths.root)


def merged_requirements(previous: tuple[str, ...], manifest: Manifest) -> list[str]:
    """The previous releases' requirements, those of the distributions the new release names
    replaced by its own."""
    new = {requirement_name(r) for r in manifest.requirements}
    kept = [r for r in previous if requirement_name(r) not in new]
    return [*kept, *manifest.requirements]


def create(
    paths: UpdatePaths,
    env_id: str,
    manifest: Manifest,
    wheelhouse: Path,
    previous: Environment,
    *,
    timeout: float = 900,
) -> Environment:
    """Build `versions/<env_id>` layered on the base, with the release installed offline."""
    root = paths.versions / env_id
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    own_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            env=_clean_env(),
        ).stdout.strip()
    )
    lines = [f"import site; site.addsitedir({site!r})" for site in base_site_dirs(paths)]
    (own_site / BASE_PTH).write_text("\n".join(lines) + "\n")

    requirements = merged_requirements(previous.requirements, manifest)
    paths.wheels.mkdir(parents=True, exist_ok=True)
    run_checked(
        [
            str(python),
            "-m",
            "pip",
            "--isolated",
            "--disable-pip-version-check",
            "--no-input",
            "install",
            "--no-index",
            "--no-warn-script-location",
            "--find-links",
            str(wheelhouse),
            "--find-links",
            str(paths.wheels),
            *requirements,
        ],
        what=f"installing {manifest.key} into a new environment",
        env=_clean_env(),
        timeout=timeout,
    )
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions(path=[str(own_site)])
    }
    for wheel in wheelhouse.glob("*.whl"):
        if not (paths.wheels / wheel.name).exists():
            shutil.copy2(wheel, paths.wheels / wheel.name)
    _write_launcher(root / "bin" / "ncen", python)
    write_json(
        root / ENVIRONMENT_FILE,
        {
            "id": env_id,
            "release": manifest.key,
            "requirements": requirements,
            "installed": installed,
            "created": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    return load(paths, env_id)


def _write_launcher(path: Path, python: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{python}\n"
        "# ncen from this side-by-side environment (written by the update manager)\n"
        "import sys\n\n"
        "from core.cli import main\n\n"
        "sys.argv[0] = 'ncen'\n"
        "sys.exit(main())\n"
    )
    path.chmod(0o755)


def _clean_env() -> dict[str, str]:
    """The environment for pip and the environment's Python: no pip settings of the caller
    (an index URL or find-links would break the offline install), no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def remove(paths: UpdatePaths, env_id: str) -> None:
    if env_id != BASE:
        shutil.rmtree(paths.versions / env_id, ignore_errors=True)


def installed_version(distribution: str, environment: Environment) -> str | None:
    """The version of a distribution in an environment (for this process's own, the truth
    from importlib.metadata; for another, what the update installed there or the base)."""
    name = canonical(distribution)
    if environment.installed and name in environment.installed:
        return environment.installed[name]
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def environments(paths: UpdatePaths) -> list[str]:
    if not paths.versions.is_dir():
        return []
    return sorted(p.name for p in paths.versions.iterdir() if (p / ENVIRONMENT_FILE).exists())
