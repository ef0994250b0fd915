"""`ncen codelists sync` and `ncen codelists import FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from core.codelists.edit import import_lists
from core.codelists.sources import CodeListFileError, read_import_file
from core.codelists.sync import sync_code_lists
from core.errors import NcenError
from core.instance import Instance


@click.group("codelists")
def codelists_group() -> None:
    """Code lists: apply the shipped lists, import national entries."""


def _run(ctx: click.Context, action):
    from core.cli import with_instance

    return with_instance(ctx, action)


@codelists_group.command("sync")
@click.pass_context
def sync_command(ctx: click.Context) -> None:
    """Apply the lists of core and the enabled modules (idempotent)."""
    report = _run(ctx, sync_code_lists)
    table = Table("list", "added", "updated", "end-dated", "removed")
    for name, row in report.lists.items():
        table.add_row(name, str(row.added), str(row.updated), str(row.end_dated), str(row.removed))
    Console().print(table)
    for line in report.skipped:
        click.echo(f"skipped (owner not enabled): {line}")
    for name, row in report.lists.items():
        if row.kept_version:
            click.echo(f"kept {name}: the database holds its newer version {row.kept_version}")


@codelists_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, file: Path) -> None:
    """Add national entries and translations from a JSON file (format: docs/codelists.md)."""
    try:
        lists = read_import_file(file)
    except CodeListFileError as exc:
        raise NcenError(str(exc)) from None

    async def action(instance: Instance):
        async with instance.db.transaction() as session:
            return await import_lists(session, lists)

    try:
        report = _run(ctx, action)
    except Exception as exc:
        extensions = getattr(exc, "extensions", None)
        if extensions is None:
            raise
        raise NcenError(f"{file}: {exc} ({extensions})") from None
    click.echo(
        f"imported {file}: {report.lists_created} list(s) created, "
        f"{report.added} entr(ies) added, {report.updated} updated"
    )
