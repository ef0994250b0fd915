"""Configuration: file + environment, and a clear error naming the key for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import BUILTIN_MODULES, load_config
from core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ncen.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_enable_every_builtin_module_on_sqlite_under_the_data_dir(tmp_path):
    config = load_config(environ={"NCEN_DATA_DIR": str(tmp_path)})
    assert config.modules == BUILTIN_MODULES
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path / 'ncen.db'}"
    assert config.search_dir == tmp_path / "search"


def test_file_values_are_read_and_environment_overrides_them(tmp_path):
    path = write(
        tmp_path,
        """
[ncen]
data_dir = "somewhere"
modules = ["seizures", "companies"]
country = "fr"
languages = ["en", "fr"]
default_language = "fr"

[ncen.graphql]
max_depth = 9
introspection = false
""",
    )
    config = load_config(path, environ={"NCEN_MODULES": "seizures", "NCEN_GRAPHQL_MAX_DEPTH": "7"})
    assert config.modules == ("seizures",)
    assert config.country == "FR"
    assert config.default_language == "fr"
    assert config.graphql.max_depth == 7
    assert config.graphql.introspection is False
    assert config.source == str(path)


def test_config_path_comes_from_the_environment_when_not_given(tmp_path):
    path = write(tmp_path, '[ncen]\ncountry = "KE"\n')
    assert load_config(environ={"NCEN_CONFIG": str(path)}).country == "KE"


def test_empty_module_list_is_allowed(tmp_path):
    assert load_config(environ={"NCEN_MODULES": "", "NCEN_DATA_DIR": str(tmp_path)}).modules == ()


@pytest.mark.parametrize(
    ("text", "environ", "names"),
    [
        ('[ncen]\ncolour = "red"\n', {}, "ncen.colour"),
        ("[ncen.graphql]\ndepth = 3\n", {}, "ncen.graphql.depth"),
        ("[ncen.nosuch]\nx = 1\n", {}, "[ncen.nosuch]"),
        ('[other]\nx = 1\n[ncen]\ncountry = "FR"\n', {}, "top-level"),
        ('[ncen.graphql]\nmax_depth = "deep"\n', {}, "ncen.graphql.max_depth"),
        ("[ncen.graphql]\nmax_depth = 100000\n", {}, "ncen.graphql.max_depth"),
        ('[ncen]\ncountry = "Atlantis"\n', {}, "ncen.country"),
        ('[ncen]\ndatabase_url = "mysql://x"\n', {}, "ncen.database_url"),
        ('[ncen]\nmodules = ["seizures", "seizures"]\n', {}, "ncen.modules"),
        ('[ncen]\nmodules = ["Bad-Name"]\n', {}, "ncen.modules"),
        ('[ncen]\nlanguages = ["en"]\ndefault_language = "fr"\n', {}, "ncen.default_language"),
        ("[ncen]\n", {"NCEN_GRAPHQL_IDE": "maybe"}, "NCEN_GRAPHQL_IDE"),
        ("[ncen]\n", {"NCEN_SERVER_PORT": "0"}, "NCEN_SERVER_PORT"),
        ("[ncen\n", {}, "not valid TOML"),
    ],
)
def test_bad_config_is_an_error_naming_the_key(tmp_path, text, environ, names):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), environ=environ)
    assert names in str(error.value)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", environ={})
