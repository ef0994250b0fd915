"""`ncen attachments to-database`: photos stored as files moved into the database store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from core.instance import Instance


@click.group("attachments")
def attachments_group() -> None:
    """Uploaded photos (see docs/attachments.md)."""


@attachments_group.command("to-database")
@click.pass_context
def to_database(ctx: click.Context) -> None:
    """Copy photos stored under <data_dir>/attachments/ into the database (idempotent), so that
    several app servers can serve them; the files can then be removed from backups."""
    from core.cli import with_instance

    async def action(instance: Instance) -> tuple[int, int]:
        return await instance.attachments.copy_files_to_database()

    copied, missing = with_instance(ctx, action)
    click.echo(f"copied {copied} photo(s) into the database")
    if missing:
        raise click.ClickException(
            f"{missing} photo(s) named by attachments are neither in the database nor in the "
            "data dir of this host: run the command on the host that has them"
        )
