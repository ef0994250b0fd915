"""What a release is: the manifest carried by every bundle and by its signed target metadata.

A bundle (`bundles/<name>-<version>.tar.gz` in the repository) holds:

    manifest.json      this manifest
    wheels/*.whl       ncen, module distributions and their dependencies (a wheelhouse)
    codelists/*.json   code-list data files (docs/codelists.md format)
    NOTES.md           release notes

Kinds: `application` (ncen itself, `name` is "ncen"), `module` (`name` is the module's
distribution) and `data` (code lists only, `name` is a data line such as "ncen-codelists").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from plugins.update_manager.errors import UpdateError

FORMAT = 1
KINDS = ("application", "module", "data")
# Order in which `ncen update apply` without a name takes releases: code, then data.
KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_MODULE = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True)
class Manifest:
    name: str
    kind: str
    version: str
    upgrades_from: str | None = None  # the oldest installed version it upgrades
    modules: tuple[str, ...] = ()  # modules affected
    migrations: tuple[str, ...] = ()  # migration revisions included
    requirements: tuple[str, ...] = ()  # what pip installs from the wheelhouse
    wheels: tuple[str, ...] = ()  # files under wheels/
    code_lists: tuple[str, ...] = ()  # files under codelists/
    notes: str = ""  # release notes (NOTES.md), carried here so a check can show them
    released: str | None = None
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def target_path(self) -> str:
        return f"bundles/{self.name}-{self.version}.tar.gz"

    @property
    def key(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def changes_code(self) -> bool:
        return self.kind != "data"

    def parsed_version(self) -> Version:
        return Version(self.version)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        for key in ("modules", "migrations", "requirements", "wheels", "code_lists"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, raw: Any, where: str = "manifest") -> Manifest:
        if not isinstance(raw, dict):
            raise UpdateError(f"{where}: a manifest is a JSON object")
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        unknown = sorted(set(raw) - known)
        if raw.get("format", FORMAT) != FORMAT:
            raise UpdateError(
                f"{where}: manifest format {raw.get('format')!r} is not one this version reads "
                f"({FORMAT}); update ncen first"
            )
        name = _text(raw, "name", where)
        if not _NAME.match(name):
            raise UpdateError(f"{where}: {name!r} is not a valid release name")
        kind = _text(raw, "kind", where)
        if kind not in KINDS:
            raise UpdateError(f"{where}: kind must be one of {list(KINDS)}, got {kind!r}")
        version = _version(raw.get("version"), "version", where)
        upgrades_from = raw.get("upgrades_from")
        if upgrades_from is not None:
            upgrades_from = _version(upgrades_from, "upgrades_from", where)
        manifest = cls(
            name=name,
            kind=kind,
            version=version,
            upgrades_from=upgrades_from,
            modules=_names(raw, "modules", where, _MODULE),
            migrations=_names(raw, "migrations", where, re.compile(r"^[A-Za-z0-9_]+$")),
            requirements=_requirements(raw, where),
            wheels=_names(raw, "wheels", where, _FILE),
            code_lists=_names(raw, "code_lists", where, _FILE),
            notes=raw.get("notes") or "",
            released=raw.get("released"),
            extra={key: raw[key] for key in unknown},
        )
        if manifest.kind == "data" and (manifest.wheels or manifest.requirements):
            raise UpdateError(f"{where}: a data release carries code lists, not wheels")
        if manifest.kind == "data" and not manifest.code_lists:
            raise UpdateError(f"{where}: a data release needs at least one code list")
        if manifest.kind != "data" and not manifest.requirements:
            raise UpdateError(f"{where}: an {kind} release names what to install (requirements)")
        if manifest.kind == "application" and name != "ncen":
            raise UpdateError(f"{where}: an application release is named 'ncen', not {name!r}")
        if any(not wheel.endswith(".whl") for wheel in manifest.wheels):
            raise UpdateError(f"{where}: wheels are .whl files")
        if any(not path.endswith(".json") for path in manifest.code_lists):
            raise UpdateError(f"{where}: code lists are .json files")
        return manifest


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UpdateError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def _version(value: Any, key: str, where: str) -> str:
    if isinstance(value, str):
        try:
            return str(Version(value))
        except InvalidVersion:
            pass
    raise UpdateError(f"{where}: `{key}` must be a version such as 2.0.0, got {value!r}")


def _names(raw: dict[str, Any], key: str, where: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UpdateError(f"{where}: `{key}` must be a list of strings")
    bad = [v for v in value if not pattern.match(v)]
    if bad:
        raise UpdateError(f"{where}: `{key}` holds invalid names {bad}")
    if len(set(value)) != len(value):
        raise UpdateError(f"{where}: `{key}` lists a name twice")
    return tuple(value)


def _requirements(raw: dict[str, Any], where: str) -> tuple[str, ...]:
    value = raw.get("requirements", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UpdateError(f"{where}: `requirements` must be a list of strings")
    for item in value:
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            raise UpdateError(f"{where}: requirement {item!r} is invalid: {exc}") from None
    return tuple(value)


def requirement_name(requirement: str) -> str:
    """The normalised distribution name a requirement names (`Ncen_Stock==2` -> ncen-stock)."""
    return canonical(Requirement(requirement).name)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
