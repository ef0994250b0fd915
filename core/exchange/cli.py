"""`ncen import FILE ...` and `ncen export MODULE ...`: data exchange from the command line.

Both act as a named account (`--as USER`, or NCEN_EXCHANGE_USER): its permissions apply and the
audit log names it, exactly as if it had made the calls through the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select

from core import long_lived
from core.errors import NcenError

if TYPE_CHECKING:
    from core.auth.principal import UserPrincipal
    from core.instance import Instance

AS_USER = click.option(
    "--as",
    "username",
    envvar="NCEN_EXCHANGE_USER",
    required=True,
    help="The account the records are written or read as (its permissions apply).",
)


async def user_principal(instance: Instance, username: str) -> UserPrincipal:
    """The principal of an active account, with its roles' permissions."""
    from core.auth.models import RolePermission, User, UserRole
    from core.auth.permissions import effective
    from core.auth.principal import UserPrincipal

    async with instance.db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise NcenError(f"no active account {username!r}")
        permissions = await session.scalars(
            select(RolePermission.permission)
            .join(UserRole, UserRole.role == RolePermission.role)
            .where(UserRole.user_id == user.id)
        )
        return UserPrincipal(user.id, user.username, effective(frozenset(permissions)))


def settle(instance: Instance) -> None:
    """Freeze what lives as long as the command (modules, models, the schema) out of the
    cyclic garbage collector, as `ncen serve` does at start: an import or export creates
    objects by the million, and each full collection would traverse those ~130,000 again (an
    export of 5,000 seizures: 10 s with them, 3.6 s without, under a profiler)."""
    _ = instance.schema
    long_lived.settle()


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "module", required=True, help="Module whose records the file holds.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mapping file (TOML or JSON); by default columns named like fields fill them.",
)
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default=None)
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the per-row report there (.csv or .xlsx).",
)
@AS_USER
@click.pass_context
def import_command(
    ctx: click.Context,
    file: Path,
    module: str,
    mapping: Path | None,
    file_format: str | None,
    dry_run: bool,
    report: Path | None,
    username: str,
) -> None:
    """Import FILE (CSV or XLSX) into MODULE's records; bad rows are reported, none written."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from core.cli import with_instance
    from core.exchange.importer import Importer
    from core.exchange.mapping import load_mapping
    from core.exchange.readers import file_format as format_of
    from core.exchange.registry import exchange_type
    from core.exchange.report import write_report

    kind = format_of(file, file_format)
    loaded = load_mapping(mapping) if mapping else None
    if loaded is not None and loaded.module not in (None, module):
        raise NcenError(f"the mapping is for module {loaded.module!r}, not {module!r}")
    console = Console(stderr=True)

    async def action(instance: Instance) -> Any:
        principal = await user_principal(instance, username)
        xt = exchange_type(instance, module)
        settle(instance)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("rows", total=None)
            importer = Importer(
                instance,
                principal,
                xt,
                loaded,
                progress=lambda n: progress.advance(task, n),
            )
            return await importer.run(file, kind, dry_run=dry_run)

    result = with_instance(ctx, action)
    if report is not None:
        write_report(result.errors, report)
    verb = "would create" if dry_run or result.status == "refused" else "created"
    click.echo(
        f"{result.status}: {result.rows} rows, {verb} {result.created}, "
        f"updated {result.updated}, unchanged {result.unchanged}, {result.error_count} errors"
    )
    for error in result.errors[:20]:
        where = f"column {error.column!r}" if error.column else f"field {error.field!r}"
        click.echo(f"  row {error.row}, {where}: {error.code}: {error.message}", err=True)
    if result.error_count > 20:
        click.echo(f"  ... {result.error_count - 20} more (see --report)", err=True)
    if result.message:
        click.echo(result.message, err=True)
    if result.status in ("refused", "failed"):
        ctx.exit(1)


@click.command("export")
@click.argument("module")
@click.option("--format", "file_format", type=click.Choice(["csv", "jsonl", "xlsx"]), default="csv")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--filter", "filter_json", default=None, help="The list filter, as JSON.")
@AS_USER
@click.pass_context
def export_command(
    ctx: click.Context,
    module: str,
    file_format: str,
    output: Path,
    filter_json: str | None,
    username: str,
) -> None:
    """Export MODULE's records (those the account may see) to a CSV, JSON Lines or XLSX file."""
    from core.cli import with_instance
    from core.exchange.exporter import Exporter
    from core.exchange.registry import exchange_type
    from core.exchange.writers import open_writer
    from core.gql.errors import ApiError

    try:
        given = json.loads(filter_json) if filter_json else None
    except ValueError as exc:
        raise NcenError(f"--filter is not JSON: {exc}") from None

    async def action(instance: Instance) -> int:
        principal = await user_principal(instance, username)
        exporter = Exporter(instance, principal, exchange_type(instance, module), given)
        settle(instance)
        writer, handle = open_writer(file_format, output, exporter.header)
        try:
            async for row in exporter.rows():
                writer.write(row)
            writer.close()
        finally:
            if handle is not None:
                handle.close()
        await exporter.audit(file_format)
        return exporter.count

    try:
        count = with_instance(ctx, action)
    except ApiError as exc:
        raise NcenError(str(exc)) from None
    click.echo(f"exported {count} rows to {output}")
