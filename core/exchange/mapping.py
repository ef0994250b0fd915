"""Mapping files: which column of a spreadsheet fills which field, with translation tables from
national codes to ncen codes and default values. TOML or JSON, same keys (docs/exchange.md):

    module = "seizures"
    source = "nl-register"          # the system the keys come from
    key = "Case no."                # column holding the record's key in that system
    date_format = "%d/%m/%Y"        # dates written otherwise than ISO 8601
    [columns]
    "Case no." = "nationalCaseNumber"
    "Date" = "seizureDate"
    [translate."goods[0].commodity"]
    "COC" = "cocaine"
    [defaults]
    "goods[0].unit" = "KGM"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import NcenError

DEFAULT_SOURCE = "import"
_KEYS = {"module", "source", "key", "date_format", "columns", "translate", "defaults", "ignore"}


class MappingError(NcenError):
    """A mapping file that cannot be used: says which key and why."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # file column -> input path
    translate: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> {theirs: ours}
    defaults: dict[str, Any] = field(default_factory=dict)  # path -> value
    module: str | None = None
    source: str = DEFAULT_SOURCE
    key: str | None = None  # file column holding the external key
    date_format: str | None = None
    ignore: tuple[str, ...] = ()  # file columns deliberately left out

    def as_data(self) -> dict[str, Any]:
        """The mapping as `parse_mapping` reads it, JSON-ready (import jobs keep it so that
        another process can run them again)."""
        data: dict[str, Any] = {
            "columns": dict(self.columns),
            "translate": {path: dict(table) for path, table in self.translate.items()},
            "defaults": {
                path: v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
                for path, v in self.defaults.items()
            },
            "source": self.source,
            "ignore": list(self.ignore),
        }
        for name in ("module", "key", "date_format"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    def check(self, fields: Sequence[str], headers: Sequence[str]) -> None:
        """Refuse a mapping that names a field the module does not import, or a column the
        file does not have; a file column neither mapped nor ignored is refused too, so that
        no data is dropped without the mapping saying so."""
        known = set(fields)
        for column, path in self.columns.items():
            if path not in known:
                raise MappingError(f"column {column!r} maps to {path!r}, not an importable field")
        for path in [*self.translate, *self.defaults]:
            if path not in known:
                raise MappingError(f"{path!r} is not an importable field")
        present = set(headers)
        missing = [c for c in self.columns if c not in present]
        if missing:
            raise MappingError(f"the file has no column {', '.join(map(repr, missing))}")
        if self.key is not None and self.key not in present:
            raise MappingError(f"the key column {self.key!r} is not in the file")
        unmapped = [
            h
            for h in headers
            if h and h not in self.columns and h not in self.ignore and h != self.key
        ]
        if unmapped:
            raise MappingError(
                f"columns not mapped (map them or list them in `ignore`): "
                f"{', '.join(map(repr, unmapped))}"
            )


def default_mapping(fields: Sequence[str], headers: Sequence[str], **options: Any) -> Mapping:
    """Columns named like importable fields fill those fields (what `ncen export` writes); the
    others, such as `reference` or `status`, are ignored."""
    known = set(fields)
    return Mapping(
        columns={h: h for h in headers if h in known},
        ignore=tuple(h for h in headers if h not in known),
        **options,
    )


def parse_mapping(data: MappingABC[str, Any]) -> Mapping:
    unknown = set(data) - _KEYS
    if unknown:
        raise MappingError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
    columns = _table(data, "columns")
    translate = {}
    for path, table in _table(data, "translate", nested=True).items():
        if not isinstance(table, MappingABC):
            raise MappingError(f"`translate.{path}` must be a table of codes")
        translate[path] = {str(k): str(v) for k, v in table.items()}
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise MappingError("`ignore` is a list of column names")
    source = data.get("source", DEFAULT_SOURCE)
    if not isinstance(source, str) or not 0 < len(source) <= 64:
        raise MappingError("`source` is a name of 1 to 64 characters")
    return Mapping(
        columns={str(k): str(v) for k, v in columns.items()},
        translate=translate,
        defaults=dict(_table(data, "defaults", nested=True)),
        module=data.get("module"),
        source=source,
        key=data.get("key"),
        date_format=data.get("date_format"),
        ignore=tuple(ignore),
    )


def _table(data: Any, name: str, *, nested: bool = False) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, MappingABC):
        raise MappingError(f"`{name}` must be a table")
    if not nested and not all(isinstance(v, (str, int, float)) for v in value.values()):
        raise MappingError(f"`{name}` maps names to names")
    return dict(value)


def load_mapping(path: Path) -> Mapping:
    """Read a `.toml` or `.json` mapping file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: not a valid mapping file: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a mapping is a table of keys")
    return parse_mapping(data)
