"""Release bundles: built from a release spec by the maintainers' tool, unpacked and checked
against their signed manifest by the client.

A release spec is a TOML file; paths and globs are relative to it:

    name = "ncen-stock"            # release line: a distribution, "ncen", or a data line
    kind = "module"                # application | module | data
    version = "2.0.0"
    upgrades_from = "1.0.0"        # oldest installed version it upgrades (optional)
    modules = ["stock"]            # modules affected
    migrations = ["stock_0002"]    # migration revisions included
    requirements = ["ncen-stock==2.0.0"]
    wheels = ["dist/*.whl"]        # the release's wheels and its dependencies' (a wheelhouse)
    code_lists = ["codelists/*.json"]
    notes = "NOTES.md"
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import tomllib
from pathlib import Path

from plugins.update_manager.errors import UpdateError, VerificationError
from plugins.update_manager.manifest import Manifest

MANIFEST = "manifest.json"
NOTES = "NOTES.md"


def read_spec(path: Path) -> tuple[Manifest, dict[str, Path]]:
    """The manifest a spec describes and the files the bundle will hold (name in bundle -> file)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UpdateError(f"release spec {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise UpdateError(f"release spec {path} is not valid TOML: {exc}") from None
    base = path.parent
    files: dict[str, Path] = {}
    wheels = _glob(base, raw.pop("wheels", []), path, "wheels")
    code_lists = _glob(base, raw.pop("code_lists", []), path, "code_lists")
    for found in wheels:
        files[f"wheels/{found.name}"] = found
    for found in code_lists:
        files[f"codelists/{found.name}"] = found
    notes_file = raw.pop("notes", None)
    notes = ""
    if notes_file:
        notes_path = base / notes_file
        if not notes_path.is_file():
            raise UpdateError(f"{path}: notes file {notes_file} does not exist")
        notes = notes_path.read_text(encoding="utf-8")
        files[NOTES] = notes_path
    raw.setdefault("released", dt.date.today().isoformat())
    manifest = Manifest.from_dict(
        {
            **raw,
            "wheels": [w.name for w in wheels],
            "code_lists": [c.name for c in code_lists],
            "notes": notes,
        },
        str(path),
    )
    return manifest, files


def _glob(base: Path, patterns: object, spec: Path, key: str) -> list[Path]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise UpdateError(f"{spec}: `{key}` must be a list of paths or globs")
    found: dict[str, Path] = {}
    for pattern in patterns:
        matches = sorted(p for p in base.glob(pattern) if p.is_file())
        if not matches:
            raise UpdateError(f"{spec}: `{key}` entry {pattern!r} matches no file")
        for match in matches:
            if match.name in found and found[match.name] != match:
                raise UpdateError(f"{spec}: two files named {match.name} in `{key}`")
            found[match.name] = match
    return list(found.values())


def write_bundle(manifest: Manifest, files: dict[str, Path], out: Path) -> Path:
    """A reproducible tar.gz: sorted members, fixed owners and times."""
    out.parent.mkdir(parents=True, exist_ok=True)
    mtime = 0

    def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), mtime, 0o644
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        add(tar, MANIFEST, json.dumps(manifest.to_dict(), indent=2, sort_keys=True).encode())
        for name in sorted(files):
            add(tar, name, files[name].read_bytes())
    return out


def unpack(bundle: Path, dest: Path, signed: Manifest) -> Manifest:
    """Unpack a verified bundle and check that it holds what its signed manifest says."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise VerificationError(f"bundle {bundle.name} cannot be unpacked: {exc}") from None
    try:
        inside = Manifest.from_dict(json.loads((dest / MANIFEST).read_text()), bundle.name)
    except (FileNotFoundError, json.JSONDecodeError):
        raise VerificationError(f"bundle {bundle.name} has no readable {MANIFEST}") from None
    if inside.to_dict() != signed.to_dict():
        raise VerificationError(
            f"bundle {bundle.name}: its manifest differs from the signed one: refused"
        )
    missing = [w for w in signed.wheels if not (dest / "wheels" / w).is_file()]
    missing += [c for c in signed.code_lists if not (dest / "codelists" / c).is_file()]
    if missing:
        raise VerificationError(f"bundle {bundle.name} lacks {missing}: refused")
    return inside
