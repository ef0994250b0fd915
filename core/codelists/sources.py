"""What modules declare about code lists: the lists they ship and the columns that use them.

A data file is JSON (format in docs/codelists.md):

    {"name": "units", "labels": {"en": "Units"}, "version": "2026.1",
     "entries": [{"code": "KGM", "labels": {"en": "kilogram", "fr": "kilogramme"},
                  "parent": null, "sort": 10, "validFrom": "2000-01-01", "validTo": null,
                  "attributes": {"symbol": "kg"}}]}
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ENTRY_KEYS = {"code", "labels", "parent", "sort", "validFrom", "validTo", "attributes"}


class CodeListFileError(ValueError):
    """A data file or entry is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class EntryData:
    """One entry as shipped or imported, before it reaches the database."""

    code: str
    labels: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None
    sort: int = 0
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    # Keys present in the file (an import only changes what it names); empty means all.
    given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ListData:
    name: str
    labels: Mapping[str, str]
    entries: Sequence[EntryData]
    # The version of this data (PEP 440, e.g. "2026.1"): once a list holds versioned data, sync
    # only replaces it with a version at least as new (see docs/codelists.md#versions).
    version: str | None = None


@dataclass(frozen=True)
class CodeListSource:
    """A list shipped by a plugin, from a JSON `file` or built by `entries(languages)`.

    With `extends=True` the source adds entries (or translations of existing entries) to a list
    owned by another plugin; it is skipped while that plugin is disabled.
    """

    name: str
    file: Path | None = None
    entries: Callable[[Sequence[str]], ListData] | None = None
    extends: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"code list name {self.name!r} must match {_NAME.pattern}")
        if (self.file is None) == (self.entries is None):
            raise ValueError(f"code list {self.name!r}: give exactly one of `file` or `entries`")

    def load(self, languages: Sequence[str]) -> ListData:
        data = self.entries(languages) if self.entries else read_list_file(self.file)  # type: ignore[arg-type]  # a source without `entries` has a `file` (checked at declaration)
        if data.name != self.name:
            raise CodeListFileError(f"{self.file or self.name}: the list is named {data.name!r}")
        return data


@dataclass(frozen=True)
class CodeListUsage:
    """A column that stores codes of `list`: sync keeps (end-dates) codes found there.

    With `json_key`, the column is a JSON object and the code is its `json_key` member (the
    `extra` column that holds extension fields).
    """

    list: str
    table: str
    column: str
    json_key: str | None = None


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CodeListFileError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _labels(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise CodeListFileError(f"{where}: labels must map language codes to non-empty text")
    return {k.lower(): v.strip() for k, v in value.items()}


def parse_entry(raw: Any, where: str) -> EntryData:
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str) or not raw["code"]:
        raise CodeListFileError(f"{where}: an entry is an object with a non-empty `code`")
    where = f"{where} code {raw['code']!r}"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise CodeListFileError(f"{where}: unknown key(s) {sorted(unknown)}")
    sort = raw.get("sort", 0)
    if isinstance(sort, bool) or not isinstance(sort, int):
        raise CodeListFileError(f"{where}: `sort` must be an integer")
    attributes = raw.get("attributes", {})
    if not isinstance(attributes, dict):
        raise CodeListFileError(f"{where}: `attributes` must be an object")
    return EntryData(
        code=raw["code"].strip(),
        labels=_labels(raw.get("labels", {}), where),
        parent=raw.get("parent"),
        sort=sort,
        valid_from=_date(raw.get("validFrom"), where),
        valid_to=_date(raw.get("validTo"), where),
        attributes=attributes,
        given=frozenset(raw),
    )


def parse_list(raw: Any, where: str) -> ListData:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise CodeListFileError(f"{where}: expected an object with `name` and `entries`")
    if not _NAME.match(raw["name"]):
        raise CodeListFileError(f"{where}: list name {raw['name']!r} must match {_NAME.pattern}")
    entries = raw.get("entries")
    if not isinstance(entries, list):
        raise CodeListFileError(f"{where}: `entries` must be a list")
    parsed = [parse_entry(e, f"{where} entry {i}") for i, e in enumerate(entries)]
    codes = [e.code for e in parsed]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise CodeListFileError(f"{where}: code(s) {duplicates} appear twice")
    return ListData(
        raw["name"],
        _labels(raw.get("labels", {}), where),
        parsed,
        _version(raw.get("version"), where),
    )


def _version(value: Any, where: str) -> str | None:
    """A list's data version, normalised (PEP 440): versions are compared, never strings."""
    if value is None:
        return None
    from packaging.version import InvalidVersion, Version

    if isinstance(value, str):
        try:
            return str(Version(value))
        except InvalidVersion:
            pass
    raise CodeListFileError(
        f'{where}: `version` must be a version string such as "2026.1", got {value!r}'
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodeListFileError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise CodeListFileError(f"{path}: not valid JSON ({exc})") from None


def read_list_file(path: Path) -> ListData:
    return parse_list(_read_json(path), str(path))


def read_import_file(path: Path) -> list[ListData]:
    """One list object, or an array of them (`ncen codelists import`)."""
    raw = _read_json(path)
    items = raw if isinstance(raw, list) else [raw]
    return [parse_list(item, f"{path} list {i}") for i, item in enumerate(items)]
