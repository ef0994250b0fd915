"""What a module adds beyond GraphQL: command groups of `ncen` (`register_cli_commands`) and
HTTP routes under `/modules/<name>/` (`register_routes`), for enabled modules only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.auth.principal import UserPrincipal
from core.cli import cli, get_config, with_instance
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import OutboxRow
from core.settings import Setting
from core.testing import login_as


@click.group("greet")
def greet_group() -> None:
    """Greetings (test module)."""


@greet_group.command("hello")
@click.option("--name", default="world")
@click.pass_context
def hello(ctx: click.Context, name: str) -> None:
    """Say hello with the configured punctuation and the number of outbox rows."""

    async def action(instance: Instance) -> tuple[str, int]:
        async with instance.db.session() as session:
            rows = await session.scalar(select(func.count()).select_from(OutboxRow))
        return instance.settings("greeter").punctuation, rows or 0

    punctuation, rows = with_instance(ctx, action)
    click.echo(f"hello {name}{punctuation} ({get_config(ctx).country}, outbox: {rows})")


async def ping(request: Request) -> Response:
    from core.web import request_instance, request_principal

    principal = await request_principal(request)
    who = principal.username if isinstance(principal, UserPrincipal) else None
    return JSONResponse(
        {"modules": request_instance(request).module_names, "user": who, "path": request.url.path}
    )


class Greeter:
    info = ModuleInfo(name="greeter", version="1.0.0", label="Greeter (test)")

    def __init__(self, *commands: click.Command) -> None:
        self.commands = list(commands) or [greet_group]

    @hookimpl
    def register_settings(self) -> list[Setting]:
        return [Setting("punctuation", str, "!", "Ends each greeting.")]

    @hookimpl
    def register_cli_commands(self) -> list[click.Command]:
        return self.commands

    @hookimpl
    def register_routes(self) -> list[Route]:
        return [Route("/ping", ping, methods=["GET"])]


class Echo:
    info = ModuleInfo(name="echo", version="1.0.0", label="Echo (test)")

    def __init__(self, command: click.Command) -> None:
        self.command = command

    @hookimpl
    def register_cli_commands(self) -> list[click.Command]:
        return [self.command]


def ncen(tmp_path: Path, *args: str, modules: str = "greeter", extra: Any = None) -> Result:
    env = {
        "NCEN_CONFIG": "",
        "NCEN_DATA_DIR": str(tmp_path),
        "NCEN_MODULES": modules,
        "NCEN_COUNTRY": "KE",
    }
    obj = {"extra_modules": extra if extra is not None else [Greeter()]}
    return CliRunner().invoke(cli, list(args), env=env, obj=obj)


def test_an_enabled_modules_command_runs_with_the_config_and_instance(tmp_path: Path) -> None:
    assert ncen(tmp_path, "init").exit_code == 0
    result = ncen(tmp_path, "greet", "hello", "--name", "officer")
    assert (result.exit_code, result.output) == (0, "hello officer! (KE, outbox: 0)\n")

    config = tmp_path / "ncen.toml"
    config.write_text(
        f'[ncen]\ndata_dir = "{tmp_path}"\n[ncen.module.greeter]\npunctuation = "?"\n'
    )
    result = ncen(tmp_path, "--config", str(config), "greet", "hello")
    assert (result.exit_code, result.output) == (0, "hello world? (KE, outbox: 0)\n")

    listed = ncen(tmp_path, "--help")
    assert listed.exit_code == 0
    assert "greet" in listed.output and "Greetings (test module)." in listed.output


def test_a_disabled_modules_commands_do_not_exist(tmp_path: Path) -> None:
    result = ncen(tmp_path, "greet", "hello", modules="")
    assert result.exit_code == 2
    assert "No such command 'greet'" in result.output
    assert "greet" not in ncen(tmp_path, "--help", modules="").output


def test_command_name_clashes_are_one_line_errors(tmp_path: Path) -> None:
    @click.command("serve")
    def serve() -> None: ...

    result = ncen(tmp_path, "greet", extra=[Greeter(greet_group, serve)])
    assert (result.exit_code, result.output) == (
        1,
        "Error: module 'greeter' adds command 'serve', which core has\n",
    )

    result = ncen(tmp_path, "greet", modules="greeter,echo", extra=[Greeter(), Echo(greet_group)])
    assert (result.exit_code, result.output) == (
        1,
        "Error: command 'greet' is added by both 'greeter' and 'echo'\n",
    )


def test_a_broken_configuration_still_lists_core_commands(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--help"], env={"NCEN_CONFIG": "", "NCEN_COUNTRY": "nowhere"}, obj={}
    )
    assert result.exit_code == 0
    assert "serve" in result.stdout
    assert result.stderr == (
        "ncen: commands of modules not listed: "
        "NCEN_COUNTRY: 'nowhere' is not an ISO 3166 alpha-2 country code\n"
    )
    result = CliRunner().invoke(
        cli, ["greet"], env={"NCEN_CONFIG": "", "NCEN_COUNTRY": "nowhere"}, obj={}
    )
    assert (result.exit_code, result.output) == (
        1,
        "Error: NCEN_COUNTRY: 'nowhere' is not an ISO 3166 alpha-2 country code\n",
    )


async def test_module_routes_are_served_under_the_modules_prefix(make_app: Any) -> None:
    app = await make_app(modules=["greeter"], extra_modules=[Greeter()])
    anonymous = await app.client.get("/modules/greeter/ping")
    assert anonymous.status_code == 200
    assert anonymous.json() == {
        "modules": ["greeter"],
        "user": None,
        "path": "/modules/greeter/ping",
    }
    token = await login_as(app, "reader", "analyst")
    signed = await app.client.get(
        "/modules/greeter/ping", headers={"authorization": f"Bearer {token}"}
    )
    assert signed.json()["user"] == "reader"
    assert (await app.client.get("/ping")).status_code == 404
    await app.close()

    without = await make_app(modules=[], extra_modules=[Greeter()])
    assert (await without.client.get("/modules/greeter/ping")).status_code == 404
