"""The TUF client: every release and bundle is verified against the trusted root that ships
with the instance, whether it comes from an HTTP repository or from a directory (removable
media, air-gapped networks).

python-tuf's ngclient `Updater` does the checks (signatures and thresholds, expiry, version
rollback of metadata, snapshot consistency, target lengths and hashes). Releases are listed from
the signed `index.json` target; each bundle's own target carries its manifest as `custom`, which
is what is trusted about it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from plugins.update_manager.errors import UpdateError, VerificationError
from plugins.update_manager.manifest import Manifest
from plugins.update_manager.paths import UpdatePaths

INDEX = "index.json"
CHUNK = 1024 * 1024
# Larger signed metadata than this is refused before it is read (endless-data attacks).
METADATA_MAX_BYTES = 4 * 1024 * 1024


class DirectoryFetcher(FetcherInterface):
    """Reads `file://` URLs: a repository on removable media is checked exactly like an HTTP
    one (a missing file is a 404 to the updater)."""

    def _fetch(self, url: str) -> Iterator[bytes]:
        path = Path(unquote(urlparse(url).path))
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise tuf_errors.DownloadHTTPError(f"{path} does not exist", 404) from None
        return _chunks(handle)


def _chunks(handle) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@dataclass(frozen=True)
class Source:
    """Where releases come from: an HTTP(S) base URL or a repository directory."""

    location: str

    @property
    def is_directory(self) -> bool:
        return not self.location.startswith(("http://", "https://"))

    def base_url(self) -> str:
        if self.is_directory:
            return Path(self.location).resolve().as_uri()
        return self.location.rstrip("/")

    def __str__(self) -> str:
        return self.location


def trusted_root(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UpdateError(
            f"no trusted root at {path}: install the root.json your update repository's "
            "maintainers publish there (or set [ncen.module.update_manager] trusted_root)"
        ) from None


class Client:
    """One verification session against one source (a TUF `Updater` refreshes only once)."""

    def __init__(self, paths: UpdatePaths, root: bytes, source: Source) -> None:
        self.paths = paths
        self.source = source
        paths.tuf.mkdir(parents=True, exist_ok=True)
        paths.downloads.mkdir(parents=True, exist_ok=True)
        base = source.base_url()
        config = UpdaterConfig(
            root_max_length=METADATA_MAX_BYTES,
            timestamp_max_length=METADATA_MAX_BYTES,
            snapshot_max_length=METADATA_MAX_BYTES,
            targets_max_length=METADATA_MAX_BYTES,
        )
        with translated(source):
            self.updater = Updater(
                metadata_dir=str(paths.tuf),
                metadata_base_url=f"{base}/metadata/",
                target_dir=str(paths.downloads),
                target_base_url=f"{base}/targets/",
                fetcher=DirectoryFetcher() if source.is_directory else None,
                config=config,
                bootstrap=root,
            )

    def releases(self) -> list[Manifest]:
        """Every release of the repository, from its verified signed metadata."""
        with translated(self.source):
            self.updater.refresh()
            info = self.updater.get_targetinfo(INDEX)
            if info is None:
                raise VerificationError(f"{self.source}: the repository signs no {INDEX}")
            path = self.updater.find_cached_target(info) or self.updater.download_target(info)
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            listed = [Manifest.from_dict(item, INDEX) for item in raw["releases"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise VerificationError(
                f"{self.source}: {INDEX} is not a release index: {exc}"
            ) from None
        return [self.signed_manifest(m.target_path) or m for m in listed]

    def signed_manifest(self, target_path: str) -> Manifest | None:
        """The manifest the targets metadata signs for a bundle (its `custom`), if listed."""
        with translated(self.source):
            info = self.updater.get_targetinfo(target_path)
        if info is None:
            return None
        custom = info.custom.get("ncen") if isinstance(info.custom, dict) else None
        if custom is None:
            raise VerificationError(f"{target_path}: signed without a release manifest")
        return Manifest.from_dict(custom, target_path)

    def download(self, manifest: Manifest) -> Path:
        """The verified bundle of a release, from the cache when it is already there."""
        with translated(self.source, manifest.target_path):
            info = self.updater.get_targetinfo(manifest.target_path)
            if info is None:
                raise VerificationError(
                    f"{manifest.key} is not signed by the repository at {self.source}"
                )
            cached = self.updater.find_cached_target(info)
            path = cached or self.updater.download_target(info)
        return Path(path)


class translated:
    """Turn python-tuf's exceptions into one clear line saying what was refused and why."""

    def __init__(self, source: Source, target: str | None = None) -> None:
        self.source = source
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, _tb) -> bool:  # type: ignore[no-untyped-def]
        if exc is None or isinstance(exc, UpdateError):
            return False
        what = self.target or "the repository metadata"
        where = f"{self.source}"
        if isinstance(exc, tuf_errors.ExpiredMetadataError):
            message = (
                f"{where}: expired metadata ({exc}): refused; the maintainers must publish again"
            )
        elif isinstance(exc, tuf_errors.UnsignedMetadataError):
            message = f"{where}: metadata not signed by the trusted keys ({exc}): refused"
        elif isinstance(exc, tuf_errors.BadVersionNumberError):
            message = f"{where}: metadata older than already seen, a rollback ({exc}): refused"
        elif isinstance(exc, tuf_errors.DownloadLengthMismatchError):
            message = f"{what}: larger than its signed length ({exc}): refused"
        elif isinstance(exc, tuf_errors.LengthOrHashMismatchError):
            message = f"{what}: does not match its signed length and hashes ({exc}): refused"
        elif isinstance(exc, tuf_errors.RepositoryError):
            message = f"{where}: metadata refused ({type(exc).__name__}: {exc})"
        elif isinstance(exc, tuf_errors.DownloadHTTPError) and exc.status_code == 404:
            message = f"{where}: {what} not found (is it an ncen update repository?)"
        elif isinstance(exc, tuf_errors.DownloadError):
            cause = exc.__cause__ or exc
            message = f"{where}: cannot download {what}: {cause}"
        elif isinstance(exc, OSError):
            message = f"{where}: {exc}"
        else:
            return False
        raise VerificationError(message) from None


def copy_media(source: Path, paths: UpdatePaths) -> Path:
    """Copy a repository from removable media into the data dir (after it verified), so the
    server and later commands can use it once the media is gone."""
    target = paths.media
    staging = paths.root / "media.new"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
