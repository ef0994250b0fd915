"""Per-module settings: declared by a module, given in `[ncen.module.<name>]` or
`NCEN_MODULE_<NAME>_<KEY>`, refused at start when wrong, read with `instance.settings(name)`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core.cli import cli
from core.config import Config, load_config
from core.errors import ConfigError, ModuleLoadError
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.settings import Setting
from core.testing import login_as, make_config
from tests.suspects.helpers import CREATE, person_input, suspects_app


class Relay:
    """A module whose name holds an underscore, with one setting of each kind."""

    info = ModuleInfo(name="night_relay", version="1.0.0", label="Night relay (test)")

    @hookimpl
    def register_settings(self) -> list[Setting]:
        return [
            Setting("interval", float, 2.5, "Seconds between runs.", minimum=0.1, maximum=60),
            Setting("enabled_at_night", bool, True, "Run at night."),
            Setting("channel", str, "stable", "Update channel.", choices=("stable", "beta")),
            Setting("batch", int, 10, "Rows per run.", minimum=1, maximum=1000),
        ]


class Other:
    info = ModuleInfo(name="night", version="1.0.0", label="Night (test)")


def build(
    tmp_path: Path, toml: str = "", environ: dict[str, str] | None = None, **kwargs: Any
) -> Instance:
    """An instance of the two test modules (enabled unless `modules` is given) over SQLite."""
    path = tmp_path / "ncen.toml"
    path.write_text(f"[ncen]\ndata_dir = {str(tmp_path)!r}\n{toml}", encoding="utf-8")
    config = load_config(path, environ=environ or {})
    modules = kwargs.pop("modules", ("night_relay", "night"))
    config = Config(**{**config.__dict__, "modules": tuple(modules)})
    return Instance(config, extra_modules=[Relay(), Other()])


def test_defaults_without_any_table(tmp_path: Path) -> None:
    settings = build(tmp_path).settings("night_relay")
    assert settings.as_dict() == {
        "interval": 2.5,
        "enabled_at_night": True,
        "channel": "stable",
        "batch": 10,
    }
    assert settings.batch == 10
    with pytest.raises(AttributeError, match="module 'night_relay' has no setting 'bacth'"):
        _ = settings.bacth
    assert build(tmp_path).settings("night").as_dict() == {}
    with pytest.raises(KeyError, match="module 'suspects' is not enabled"):
        build(tmp_path).settings("suspects")


def test_file_values_are_parsed_and_the_environment_overrides_them(tmp_path: Path) -> None:
    toml = '[ncen.module.night_relay]\ninterval = 5\nchannel = "beta"\nbatch = 20\n'
    environ = {
        "NCEN_MODULE_NIGHT_RELAY_BATCH": "30",
        "NCEN_MODULE_NIGHT_RELAY_ENABLED_AT_NIGHT": "off",
    }
    settings = build(tmp_path, toml, environ).settings("night_relay")
    assert settings.as_dict() == {
        "interval": 5.0,
        "enabled_at_night": False,
        "channel": "beta",
        "batch": 30,
    }


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        (
            "[ncen.module.night_relay]\nbatch = 0\n",
            {},
            "ncen.module.night_relay.batch: must be between 1 and 1000, got 0",
        ),
        (
            "",
            {"NCEN_MODULE_NIGHT_RELAY_BATCH": "many"},
            "NCEN_MODULE_NIGHT_RELAY_BATCH: expected an integer, got 'many'",
        ),
        (
            '[ncen.module.night_relay]\nchannel = "nightly"\n',
            {},
            "ncen.module.night_relay.channel: must be one of ['stable', 'beta'], got 'nightly'",
        ),
        (
            "[ncen.module.night_relay]\nbtach = 3\n",
            {},
            "unknown config key ncen.module.night_relay.btach: module 'night_relay' declares "
            "batch, channel, enabled_at_night, interval",
        ),
        (
            "",
            {"NCEN_MODULE_NIGHT_RELAY_INTERVALL": "3"},
            "unknown config key NCEN_MODULE_NIGHT_RELAY_INTERVALL: module 'night_relay' declares",
        ),
        (
            "[ncen.module.night]\ncolour = 3\n",
            {},
            "unknown config key ncen.module.night.colour: module 'night' declares none",
        ),
        (
            "[ncen.module.nightly]\nbatch = 3\n",
            {},
            "config table [ncen.module.nightly]: no module 'nightly' is installed",
        ),
        (
            "",
            {"NCEN_MODULE_DAYLIGHT_BATCH": "3"},
            "NCEN_MODULE_DAYLIGHT_BATCH: names no installed module",
        ),
    ],
)
def test_wrong_values_and_keys_are_refused_naming_them(
    tmp_path: Path, toml: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        build(tmp_path, toml, environ)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    "toml",
    [
        "[ncen.module]\nnight = 3\n",
        "[ncen]\nmodule = 3\n",
        '[ncen.module."Night"]\nbatch = 3\n',
    ],
)
def test_the_shape_of_module_tables_is_checked_when_the_file_is_read(
    tmp_path: Path, toml: str
) -> None:
    path = tmp_path / "ncen.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ncen\.module"):
        load_config(path, environ={})


def test_a_disabled_modules_table_is_kept_and_not_checked(tmp_path: Path) -> None:
    toml = "[ncen.module.night_relay]\nbatch = 0\nunknown_key = 1\n"
    environ = {"NCEN_MODULE_NIGHT_RELAY_BATCH": "nonsense"}
    instance = build(tmp_path, toml, environ, modules=["night"])
    assert instance.config.module_settings["night_relay"] == {"batch": 0, "unknown_key": 1}
    with pytest.raises(KeyError):
        instance.settings("night_relay")


def test_an_env_variable_of_a_module_whose_name_prefixes_another_goes_to_the_right_one(
    tmp_path: Path,
) -> None:
    # "night" prefixes "night_relay": the declared NIGHT_RELAY_BATCH is night_relay's batch,
    # not a key "relay_batch" of night.
    instance = build(tmp_path, environ={"NCEN_MODULE_NIGHT_RELAY_BATCH": "12"})
    assert instance.settings("night_relay").batch == 12
    with pytest.raises(ConfigError, match="NCEN_MODULE_NIGHT_COLOUR: module 'night' declares"):
        build(tmp_path, environ={"NCEN_MODULE_NIGHT_COLOUR": "red"})


def test_bad_declarations_are_start_up_errors_naming_the_module(tmp_path: Path) -> None:
    class Broken:
        info = ModuleInfo(name="broken", version="1.0.0", label="Broken (test)")

        def __init__(self, setting: Any) -> None:
            self.setting = setting

        @hookimpl
        def register_settings(self) -> list[Any]:
            return [self.setting]

    cases = [
        (Setting("Size", int, 1, "x"), "names are lowercase"),
        (Setting("size", list, [], "x"), "type must be one of"),
        (Setting("size", int, 0, "x", minimum=1, maximum=3), "default of module 'broken'"),
        ("size", "must return Setting objects"),
    ]
    for setting, message in cases:
        config = make_config(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path, ["broken"])
        with pytest.raises(ModuleLoadError, match=message):
            Instance(config, extra_modules=[Broken(setting)])


def test_a_bad_setting_stops_the_command_line_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ncen.toml"
    path.write_text('[ncen]\nmodules = ["suspects"]\n[ncen.module.suspects]\nreview_years = 99\n')
    result = CliRunner().invoke(
        cli, ["--config", str(path), "modules"], env={"NCEN_CONFIG": ""}, obj={}
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: ncen.module.suspects.review_years: must be between 1 and 30, got 99\n"
    )


async def test_the_suspects_review_period_is_a_setting(make_app: Any) -> None:
    config_module = {"suspects": {"review_years": 5}}

    async def create(**config: Any) -> dt.date:
        app = await suspects_app(make_app_with(make_app, **config))
        token = await login_as(app, f"officer{len(config)}", "officer")
        body = await app.gql(CREATE, {"input": person_input()}, token=token)
        await app.close()
        return dt.date.fromisoformat(body["data"]["createPerson"]["reviewDate"])

    today = dt.date.today()
    assert (await create()).year == today.year + 3  # the declared default
    assert (await create(module_settings=config_module)).year == today.year + 5


def make_app_with(make_app: Any, **config: Any) -> Any:
    """`make_app` with extra Config fields, in the shape suspects_app expects."""

    async def factory(**kwargs: Any) -> Any:
        return await make_app(**kwargs, **config)

    return factory
