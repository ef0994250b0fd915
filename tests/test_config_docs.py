"""docs/configuration.md lists every key of `core.config.SETTINGS`, and every setting the
built-in modules declare (`register_settings`), with the right environment variable, range and
default, so operators can trust it."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from core.config import BUILTIN_MODULES, SETTINGS, Config, _env_name
from core.plugins import installed_modules
from core.settings import Setting

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
# Top-level keys whose default is computed by load_config, not a dataclass field.
COMPUTED_DEFAULTS = {("ncen", "data_dir"): "data", ("ncen", "database_url"): None}


def _documented(
    heading_pattern: str = r"^## `\[ncen(?:\.(\w+))?\]`", default: str = "ncen"
) -> dict[tuple[str, str], dict[str, str]]:
    """(section, key) -> cells of its table row, read from the tables under the headings that
    match `heading_pattern` (its group names the section)."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(heading_pattern, line)
        if heading:
            section = heading.group(1) or default
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


# --- module settings ---------------------------------------------------------------------------


def _declared_module_settings() -> dict[tuple[str, str], Setting]:
    """(module, key) -> Setting, for every built-in module that declares settings."""
    installed = installed_modules()
    declared = {}
    for name in BUILTIN_MODULES:
        plugin = installed[name].load()
        hook = getattr(plugin, "register_settings", None)
        for setting in hook() if hook else []:
            declared[(name, setting.name)] = setting
    return declared


MODULE_SETTINGS = _declared_module_settings()
MODULE_DOCUMENTED = _documented(r"^## `\[ncen\.module\.(\w+)\]`")


def test_the_suspects_review_period_is_declared() -> None:
    assert ("suspects", "review_years") in MODULE_SETTINGS


@pytest.mark.parametrize("key", sorted(MODULE_SETTINGS), ids=lambda k: ".".join(k))
def test_module_setting_is_documented(key: tuple[str, str]) -> None:
    module, name = key
    setting = MODULE_SETTINGS[key]
    row = MODULE_DOCUMENTED.get(key)
    assert row is not None, f"[ncen.module.{module}] {name} is missing from docs/configuration.md"
    assert row["env"] == setting.env_name(module)
    assert row["type"] == setting.kind()
    assert row["default"] == f"`{_toml(setting.default)}`"
    assert row["meaning"] == setting.description


def test_no_stale_module_settings_in_docs() -> None:
    stale = sorted(".".join(k) for k in set(MODULE_DOCUMENTED) - set(MODULE_SETTINGS))
    assert not stale, f"docs/configuration.md documents module settings nobody declares: {stale}"
