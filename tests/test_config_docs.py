"""docs/configuration.md lists every key of `core.config.SETTINGS`, with the right environment
variable, range and default, so operators can trust it."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from core.config import SETTINGS, Config, _env_name

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
# Top-level keys whose default is computed by load_config, not a dataclass field.
COMPUTED_DEFAULTS = {("ncen", "data_dir"): "data", ("ncen", "database_url"): None}


def _documented() -> dict[tuple[str, str], dict[str, str]]:
    """(section, key) -> cells of its table row, read from the `## [ncen...]` tables."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## `\[ncen(?:\.(\w+))?\]`", line)
        if heading:
            section = heading.group(1) or "ncen"
        elif line.startswith("## "):
            section = None
        elif section and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            key, env, kind, default, meaning = cells[:5]
            rows[(section, key.strip("`"))] = {
                "env": env.strip("`"),
                "type": kind,
                "default": default,
                "meaning": meaning,
            }
    return rows


DOCUMENTED = _documented()
KEYS = [(section, key) for section, parsers in SETTINGS.items() for key in parsers]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _default(section: str, key: str) -> str | None:
    if (section, key) in COMPUTED_DEFAULTS:
        computed = COMPUTED_DEFAULTS[(section, key)]
        return None if computed is None else _toml(computed)
    fields = {f.name: f for f in dataclasses.fields(Config)}
    if section == "ncen":
        return _toml(fields[key].default)
    settings = fields[section].default_factory()  # type: ignore[misc]
    return _toml(getattr(settings, key))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@pytest.mark.parametrize("key", KEYS, ids=lambda k: ".".join(k))
def test_key_is_documented(key: tuple[str, str]) -> None:
    section, name = key
    table = "[ncen]" if section == "ncen" else f"[ncen.{section}]"
    row = DOCUMENTED.get(key)
    assert row is not None, f"{table} {name} is missing from docs/configuration.md"
    assert row["env"] == _env_name(section, name)
    assert row["meaning"], f"{table} {name} has no meaning in docs/configuration.md"

    expected = _default(section, name)
    if expected is not None:
        assert row["default"] == f"`{expected}`", f"{table} {name}: default is {expected}"

    bounds = inspect.getclosurevars(SETTINGS[section][name]).nonlocals
    if "minimum" in bounds:
        numbers = re.findall(r"\d+(?:\.\d+)?", row["type"])
        wanted = [_number(bounds["minimum"]), _number(bounds["maximum"])]
        assert numbers[-2:] == wanted, f"{table} {name}: range is {wanted[0]} to {wanted[1]}"


def test_no_stale_keys_in_docs() -> None:
    stale = sorted(".".join(k) for k in set(DOCUMENTED) - set(KEYS))
    assert not stale, f"docs/configuration.md documents keys that SETTINGS lacks: {stale}"
