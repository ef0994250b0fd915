"""The maintainers' side: a TUF repository in a directory, built with python-tuf's repository
API (`tuf.repository.Repository`), servable over HTTP or copied to removable media as it is.

    REPO/metadata/   1.root.json (N.root.json), timestamp.json, snapshot.json, targets.json
    REPO/targets/    index.json (the releases, for listing) and bundles/<name>-<version>.tar.gz
    KEYS/            <role>.pem: the private keys (never inside REPO; keep root's offline)

`init` creates one Ed25519 key per top-level role and the first metadata; `add` builds a bundle
from a release spec and signs it into targets (with the manifest as the target's `custom`);
`publish` signs new snapshot and timestamp metadata, which also renews their expiry. The trusted
root to ship with instances is `REPO/metadata/1.root.json`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.repository import Repository

from plugins.update_manager.bundle import read_spec, write_bundle
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.manifest import Manifest
from plugins.update_manager.paths import write_json

INDEX = "index.json"
TOP_LEVEL = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
DEFAULT_EXPIRY_DAYS = {Root.type: 365, Targets.type: 180, Snapshot.type: 30, Timestamp.type: 30}
_INIT = {Root.type: Root, Targets.type: Targets, Snapshot.type: Snapshot, Timestamp.type: Timestamp}
_PRETTY = JSONSerializer(compact=False)


class DirectoryRepository(Repository):
    """Top-level roles only, no consistent snapshots: the files keep fixed names, so the
    directory can be copied to media and served by any static web server."""

    def __init__(self, repo: Path, keys: Path, expiry_days: dict[str, float] | None = None) -> None:
        self.repo = repo
        self.keys = keys
        self.expiry_days = {**DEFAULT_EXPIRY_DAYS, **(expiry_days or {})}

    @property
    def metadata_dir(self) -> Path:
        return self.repo / "metadata"

    @property
    def targets_dir(self) -> Path:
        return self.repo / "targets"

    def _path(self, role: str, version: int | None = None) -> Path:
        if role == Root.type:
            version = version if version is not None else self._root_version()
            return self.metadata_dir / f"{version}.root.json"
        return self.metadata_dir / f"{role}.json"

    def _root_version(self) -> int:
        versions = [
            int(p.name.split(".")[0])
            for p in self.metadata_dir.glob("*.root.json")
            if p.name.split(".")[0].isdigit()
        ]
        return max(versions, default=0)

    def open(self, role: str) -> Metadata:
        path = self._path(role)
        if not path.exists():
            md: Metadata = Metadata(_INIT[role]())
            md.signed.version = 0
            return md
        return Metadata.from_file(str(path))

    def close(self, role: str, md: Metadata) -> None:
        md.signed.version += 1
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        md.signed.expires = now + dt.timedelta(days=self.expiry_days[role])
        md.signatures.clear()
        for signer in self._signers(role, md):
            md.sign(signer, append=True)
        self._verify(role, md)
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        path = self._path(role, md.signed.version if role == Root.type else None)
        md.to_file(str(path), serializer=_PRETTY)

    def _signers(self, role: str, md: Metadata) -> list[Signer]:
        root = md.signed if role == Root.type else self.root()
        assert isinstance(root, Root)
        signers = []
        for keyid in root.roles[role].keyids:
            key = root.keys[keyid]
            path = self.keys / f"{role}.pem"
            if not path.exists():
                raise UpdateError(f"no private key for the {role} role in {self.keys}")
            try:
                signers.append(CryptoSigner.from_priv_key_uri(f"file2:{path}", key))
            except Exception as exc:
                raise UpdateError(
                    f"{path} is not the {role} key of this repository: {exc}"
                ) from None
        return signers

    def _verify(self, role: str, md: Metadata) -> None:
        """Never write metadata the clients would refuse."""
        if role == Root.type:
            previous = self.root() if self._root_version() else None
            result = md.signed.get_root_verification_result(
                previous, md.signed_bytes, md.signatures
            )
        else:
            result = self.root().get_verification_result(role, md.signed_bytes, md.signatures)
        if not result:
            raise UpdateError(f"the {role} metadata does not verify with the keys of root")

    @property
    def targets_infos(self) -> dict[str, MetaFile]:
        return {"targets.json": MetaFile(self.targets().version)}

    @property
    def snapshot_info(self) -> MetaFile:
        return MetaFile(self.snapshot().version)


def init_repository(repo: Path, keys: Path, expiry_days: dict[str, float] | None = None) -> Path:
    """New keys and the first metadata; returns the trusted root to ship with instances."""
    if (repo / "metadata").exists() and any((repo / "metadata").iterdir()):
        raise UpdateError(f"{repo} already holds a repository")
    if keys.resolve().is_relative_to(repo.resolve()):
        raise UpdateError("keep the keys outside the repository directory, which is published")
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    repository = DirectoryRepository(repo, keys, expiry_days)
    public = {}
    for role in TOP_LEVEL:
        path = keys / f"{role}.pem"
        if path.exists():
            raise UpdateError(f"{path} exists: refusing to overwrite a key")
        signer = CryptoSigner.generate_ed25519()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(signer.private_bytes)
        public[role] = signer.public_key
    with repository.edit_root() as root:
        root.consistent_snapshot = False  # fixed file names: a directory any server can serve
        for role, key in public.items():
            root.add_key(key, role)
    repository.targets_dir.mkdir(parents=True, exist_ok=True)
    with repository.edit_targets() as targets:
        targets.targets[INDEX] = _write_index(repository, [])
    publish(repository)
    shutil.copyfile(repository._path(Root.type, 1), repository.metadata_dir / "root.json")
    return repository._path(Root.type, 1)


def add_release(repository: DirectoryRepository, spec: Path) -> Manifest:
    """Build the bundle a release spec describes and sign it into targets (not yet published)."""
    manifest, files = read_spec(spec)
    targets = repository.targets()
    if manifest.target_path in targets.targets:
        raise UpdateError(f"{manifest.key} is already in the repository: releases never change")
    bundle = write_bundle(manifest, files, repository.targets_dir / manifest.target_path)
    releases = [*_releases(repository), manifest]
    with repository.edit_targets() as targets:
        target = TargetFile.from_file(manifest.target_path, str(bundle), ["sha256"])
        target.unrecognized_fields["custom"] = {"ncen": manifest.to_dict()}
        targets.targets[manifest.target_path] = target
        targets.targets[INDEX] = _write_index(repository, releases)
    return manifest


def _releases(repository: DirectoryRepository) -> list[Manifest]:
    path = repository.targets_dir / INDEX
    if not path.exists():
        return []
    raw = json.loads(path.read_text())
    return [Manifest.from_dict(item, INDEX) for item in raw["releases"]]


def _write_index(repository: DirectoryRepository, releases: list[Manifest]) -> TargetFile:
    path = repository.targets_dir / INDEX
    ordered = sorted(releases, key=lambda m: (m.name, m.parsed_version()))
    write_json(path, {"releases": [m.to_dict() for m in ordered]})
    return TargetFile.from_file(INDEX, str(path), ["sha256"])


def publish(repository: DirectoryRepository) -> tuple[int, int]:
    """Sign new snapshot and timestamp metadata (renewing their expiry); returns their versions."""
    repository.do_snapshot(force=True)
    repository.do_timestamp(force=True)
    return repository.snapshot().version, repository.timestamp().version
