"""The `ncen` command line. Operator errors print one clear line, never a traceback.

Importing this module stays light (click and the configuration): each command imports what it
needs, so that `ncen serve` builds its instance, imports included, while the cyclic garbage
collector is paused (see `core.long_lived.built_to_last`).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from core import __version__
from core.config import CONFIG_ENV, Config, load_config
from core.errors import NcenError
from core.plugins import call_event, resolve

if TYPE_CHECKING:
    from core.instance import Instance
    from core.module import Module

T = TypeVar("T")
INIT_MARKER = "ncen-init.json"
DEFAULT_DEMO_SIZE = 200


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def get_config(ctx: click.Context) -> Config:
    """The configuration every command reads: `--config` (or NCEN_CONFIG), then NCEN_*."""
    obj = ctx.ensure_object(dict)
    if "config" not in obj:
        root = ctx.find_root()
        # Module commands are looked up before the group's callback has stored --config.
        path = obj.get("config_path", root.params.get("config_path"))
        obj["config"] = load_config(path)
    return obj["config"]


def extra_modules(ctx: click.Context) -> Sequence[Module]:
    """Plugin objects given in-process (`cli(obj={"extra_modules": [...]})`: tests, embedding)."""
    return ctx.ensure_object(dict).get("extra_modules", ())


def with_instance(ctx: click.Context, action: Callable[[Instance], Coroutine[Any, Any, T]]) -> T:
    """Run `action` on an instance built from the command's configuration, then close its
    database connections: what core's commands do, for module commands too."""
    return run(_with_instance(_instance(ctx), action))


# Command groups that live next to the feature they manage, imported only when one is invoked
# or listed (`ncen --help`): `ncen serve` needs none of them, nor the table printing they use.
LAZY_GROUPS = {
    "attachments": "core.attachments.cli:attachments_group",
    "audit": "core.audit.cli:audit_group",
    "codelists": "core.codelists.cli:codelists_group",
    "instance": "core.instance_key_cli:instance_group",
    "export": "core.exchange.cli:export_command",
    "import": "core.exchange.cli:import_command",
    "outbox": "core.outbox_cli:outbox",
    "search": "core.search.cli:search_group",
    "sharing": "core.sharing.cli:sharing_group",
    "token": "core.auth.cli:token_group",
    "user": "core.auth.cli:user_group",
}


class NcenGroup(click.Group):
    """Core's commands, the command groups of the enabled modules (`register_cli_commands`),
    and ncen's own errors, raised by any subcommand, turned into one line and exit status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            contributed = module_commands(ctx)
        except NcenError as exc:  # `ncen --help` still lists core's commands, and says why
            click.echo(f"ncen: commands of modules not listed: {exc}", err=True)
            contributed = {}
        return sorted({*super().list_commands(ctx), *LAZY_GROUPS, *contributed})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_GROUPS and cmd_name not in self.commands:
            module, _, attribute = LAZY_GROUPS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name not in LAZY_GROUPS:
            # Only a name core does not know loads the configuration and the enabled modules.
            found = module_commands(ctx).get(cmd_name)
        return found

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NcenError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            # Only a command that imported SQLAlchemy can have raised one of its errors.
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                raise click.ClickException(f"database error: {exc.orig}") from None
            raise


def module_commands(ctx: click.Context) -> dict[str, click.Command]:
    """The commands of the enabled modules, by name; a name core or another module already
    uses is an error naming both. Computed once per invocation."""
    cache = ctx.find_root().meta
    if "ncen.module_commands" not in cache:
        from core.plugins import collect, load_modules

        loaded = load_modules(get_config(ctx).modules, extra=extra_modules(ctx))
        found: dict[str, click.Command] = {}
        owners: dict[str, str] = {}
        core_names = {*cli.commands, *LAZY_GROUPS}
        for plugin, commands in collect(loaded.pm, "register_cli_commands"):
            for command in commands:
                if not isinstance(command, click.Command) or not command.name:
                    raise NcenError(
                        f"module {plugin!r}: register_cli_commands must return named click "
                        "commands or groups"
                    )
                name = command.name
                if name in core_names:
                    raise NcenError(f"module {plugin!r} adds command {name!r}, which core has")
                if name in found:
                    raise NcenError(
                        f"command {name!r} is added by both {owners[name]!r} and {plugin!r}"
                    )
                found[name], owners[name] = command, plugin
        cache["ncen.module_commands"] = found
    return cache["ncen.module_commands"]


@click.group(cls=NcenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Path of ncen.toml (default: ${CONFIG_ENV}, else built-in defaults).",
)
@click.version_option(__version__, prog_name="ncen")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """ncen: National Customs Enforcement Network platform."""
    from core.private_files import restrict_umask

    restrict_umask()  # the data directory's files are the server's alone
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


async def _with_instance(
    instance: Instance, action: Callable[[Instance], Coroutine[Any, Any, T]]
) -> T:
    """Run `action` on `instance`, then close its database connections."""
    try:
        return await action(instance)
    finally:
        await instance.db.dispose()


def _instance(ctx: click.Context) -> Instance:
    from core.instance import Instance

    return Instance(get_config(ctx), extra_modules=extra_modules(ctx))


async def upgrade_instance(instance: Instance) -> list[str]:
    """Schema first (core, then enabled modules in order), then the reference data they ship:
    without synced code lists every code a record stores would be refused."""
    from core.codelists.sync import sync_code_lists

    targets = await instance.migrator.upgrade()
    await sync_code_lists(instance)
    return targets


@cli.command()
@click.option(
    "--demo", is_flag=True, help="Load deterministic demo data from every enabled module."
)
@click.option(
    "--demo-size", default=DEFAULT_DEMO_SIZE, show_default=True, help="Records per module."
)
@click.option(
    "--if-needed", is_flag=True, help="Only upgrade the schema if this data dir is initialised."
)
@click.pass_context
def init(ctx: click.Context, demo: bool, demo_size: int, if_needed: bool) -> None:
    """Create the data directory and database schema, optionally with demo data."""
    config = get_config(ctx)
    marker = config.data_dir / INIT_MARKER
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config.search_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    already = marker.exists()
    from core.private_files import secure_data_dir

    secure_data_dir(config)

    async def action(instance: Instance) -> None:
        targets = await upgrade_instance(instance)
        click.echo(f"database schema and reference data up to date: {', '.join(targets)}")
        from core.auth.bootstrap import ADMIN_PASSWORD_ENV, bootstrap_accounts
        from core.auth.cli import cli_actor

        for line in await bootstrap_accounts(
            instance,
            cli_actor(),
            demo=demo and not (if_needed and already),
            admin_password=os.environ.get(ADMIN_PASSWORD_ENV) or None,
        ):
            click.echo(line)
        if demo and not (if_needed and already):
            await call_event(instance.pm, "load_demo_data", instance=instance, size=demo_size)
            written = await instance.search.reindex()
            click.echo(
                f"demo data loaded ({demo_size} records per module that has demo data); "
                f"search index rebuilt with {sum(written.values())} documents"
            )
        elif demo:
            click.echo(f"{config.data_dir} is already initialised; demo data left as it is")

    with_instance(ctx, action)
    if not already:
        marker.write_text(json.dumps({"version": __version__, "demo": demo}) + "\n")
    click.echo(f"data directory: {config.data_dir}")


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default from config).")
@click.option("--port", type=int, default=None, help="Port (default from config).")
@click.option("--workers", type=int, default=None, help="Worker processes (PostgreSQL only).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the GraphQL API."""
    config = get_config(ctx)
    host = host or config.server.host
    port = port or config.server.port
    workers = workers or config.server.workers
    if workers > 1 and config.is_sqlite:
        raise click.ClickException(
            "several workers need PostgreSQL: SQLite keeps one writer per instance"
        )
    _require_initialised(config)
    import uvicorn

    from core.long_lived import built_to_last

    if workers == 1:
        with built_to_last():
            app: Any = _checked_app(ctx)
    else:
        with_instance(ctx, _check_ready)
        app = "core.web:app_from_environment"  # each worker process builds its own instance
    if ctx.obj.get("config_path"):
        os.environ[CONFIG_ENV] = str(Path(ctx.obj["config_path"]).resolve())
    click.echo(f"ncen {__version__} serving GraphQL at http://{host}:{port}/graphql")
    click.echo(f"modules: {', '.join(config.modules) or 'none'}; data: {config.data_dir}")
    for line in _login_hints(config):
        click.echo(line)
    sys.stdout.flush()
    uvicorn.run(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=config.server.access_log,
    )


def _checked_app(ctx: click.Context) -> Any:
    """The app of the one instance that was checked: building a second one for uvicorn would
    load the modules again. Its engine is disposed after the check, whose event loop ends before
    uvicorn starts its own."""
    from core.long_lived import serving
    from core.web import create_app

    instance = _instance(ctx)
    run(_with_instance(instance, _check_ready))
    return create_app(instance, on_started=serving)


def _require_initialised(config: Config) -> None:
    """An embedded database that does not exist yet means `ncen init` was never run here."""
    from sqlalchemy.engine import make_url

    if config.is_sqlite:
        path = make_url(config.database_url).database
        if path and path != ":memory:" and not Path(path).exists():
            raise NcenError(f"no database at {path}: run `ncen init` first")


async def _check_ready(instance: Instance) -> None:
    pending = await instance.migrator.pending()
    if pending:
        raise NcenError(f"database schema is behind for {pending}: run `ncen db upgrade` first")


def _login_hints(config: Config) -> list[str]:
    """The demo accounts with what each role may do, the roles that see data first (`admin`
    manages accounts and sees no records, which surprises whoever signs in with it first), and
    where their passwords are: never the passwords themselves, which `ncen init` showed once and
    keeps in a file only the server's user can read."""
    from core.auth.permissions import BUILTIN_ROLES

    path = config.data_dir / "demo-logins.txt"
    if not path.exists():
        return []
    order = ["officer", "validator", "analyst", "auditor", "admin"]
    users = [line.split()[0] for line in path.read_text().splitlines() if line.strip()]
    users.sort(key=lambda name: order.index(name) if name in order else len(order))
    return [
        f"demo logins (passwords in {path}; README.md, First queries, says how to use them):",
        *(f"  {name}  {BUILTIN_ROLES.get(name, '')}".rstrip() for name in users),
    ]


@cli.group()
def db() -> None:
    """Database schema: upgrade and inspect migrations."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Upgrade core, then each enabled module's branch in dependency order; sync code lists."""

    targets = with_instance(ctx, upgrade_instance)
    click.echo(f"upgraded: {', '.join(targets)}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show each branch's revision in the database and in the code."""

    async def action(instance: Instance) -> dict[str, dict[str, Any]]:
        return await instance.migrator.status()

    status = with_instance(ctx, action)
    from rich.console import Console
    from rich.table import Table

    table = Table("branch", "enabled", "database", "code head", "state")
    for label, row in status.items():
        state = "up to date" if row["current"] == row["head"] else "behind"
        if not row["enabled"]:
            state = "disabled (left untouched)"
        table.add_row(
            label,
            "yes" if row["enabled"] else "no",
            row["current"] or "-",
            row["head"] or "-",
            state,
        )
    Console().print(table)


@cli.command("modules")
@click.pass_context
def modules_command(ctx: click.Context) -> None:
    """List installed modules: name, version, enabled, distribution."""
    from rich.console import Console
    from rich.table import Table

    instance = _instance(ctx)
    table = Table("name", "version", "enabled", "distribution", "label")
    enabled = {m.name: m for m in instance.modules}
    for name, installed in sorted(instance.installed.items()):
        info = enabled.get(name)
        version = info.version if info else installed.entry_point.dist.version  # type: ignore[union-attr]  # an enabled module's info is there; otherwise it is installed from an entry point
        label = info.label if info else ""
        table.add_row(name, version, "yes" if info else "no", installed.distribution, label)
    Console().print(table)


@cli.group()
def graphql() -> None:
    """The GraphQL schema contract."""


@graphql.command("export")
@click.pass_context
def graphql_export(ctx: click.Context) -> None:
    """Print the SDL of the schema with the enabled modules."""
    from strawberry.printer import print_schema

    click.echo(print_schema(_instance(ctx).schema))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--size", default=DEFAULT_DEMO_SIZE, show_default=True, help="Records per module.")
@click.pass_context
def demo(ctx: click.Context, size: int) -> None:
    """Add deterministic demo data from every enabled module.

    `--MODULE N` loads N records of that module only, e.g. `ncen demo --seizures 1000`.
    """
    wanted = _module_sizes(ctx.args)

    async def action(instance: Instance) -> int:
        unknown = sorted(set(wanted) - set(instance.module_names))
        if unknown:
            raise NcenError(
                f"no enabled module named {unknown[0]!r} (enabled: {instance.module_names})"
            )
        for impl in instance.pm.hook.load_demo_data.get_hookimpls():
            if wanted and impl.plugin_name not in wanted:
                continue
            await resolve(impl.function(instance=instance, size=wanted.get(impl.plugin_name, size)))
        return sum((await instance.search.reindex()).values())

    documents = with_instance(ctx, action)
    click.echo(f"demo data loaded; search index rebuilt with {documents} documents")


def _module_sizes(args: list[str]) -> dict[str, int]:
    """`--seizures 100 --companies=20` -> {"seizures": 100, "companies": 20}."""
    sizes: dict[str, int] = {}
    items = list(args)
    while items:
        option = items.pop(0)
        if not option.startswith("--") or len(option) < 3:
            raise NcenError(f"unexpected argument {option!r}: use --MODULE N")
        name, _, value = option[2:].partition("=")
        if not value:
            value = items.pop(0) if items else ""
        if not value.isdigit():
            raise NcenError(f"--{name} needs a number of records, got {value!r}")
        sizes[name.replace("-", "_")] = int(value)
    return sizes


def main() -> None:
    cli(obj={})
