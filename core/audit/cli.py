"""`ncen audit verify` and `ncen audit checkpoint`: the tamper-evident audit log."""

from __future__ import annotations

from pathlib import Path

import click

from core.errors import NcenError


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "kept",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint printed by `ncen audit checkpoint` and kept elsewhere (repeatable).",
)
@click.pass_context
def audit_verify(ctx: click.Context, kept: tuple[Path, ...]) -> None:
    """Check every event's hash and link, then the log against its signed checkpoints (those
    of the database and the data directory, and any kept elsewhere); exit 1 naming the first
    fault."""
    from core.audit.checkpoints import Checkpoint, store_of
    from core.audit.verify import verify_chain
    from core.cli import with_instance

    extra = []
    for path in kept:
        try:
            extra.append(Checkpoint.from_json(path.read_text(encoding="utf-8").strip()))
        except (ValueError, KeyError, TypeError):
            raise NcenError(
                f"{path} is not a checkpoint printed by `ncen audit checkpoint`"
            ) from None

    async def action(instance):
        store = store_of(instance)
        return await verify_chain(instance.db, [*await store.stored(), *extra], [store.public_key])

    report = with_instance(ctx, action)
    if not report.ok:
        raise click.ClickException(
            f"audit chain broken at event #{report.broken_at}: {report.reason} "
            f"({report.checked} events verified)"
        )
    click.echo(
        f"audit chain intact: {report.checked} events; head {report.head_hash}; "
        f"{report.checkpoints} signed checkpoints agree"
    )


@audit_group.command("checkpoint")
@click.pass_context
def audit_checkpoint(ctx: click.Context) -> None:
    """Sign a checkpoint of the chain's head now and print it (JSON, one line): keep it where
    neither a database nor a server administrator can change it, and give it to
    `ncen audit verify --checkpoint`."""
    from core.audit.checkpoints import store_of
    from core.cli import with_instance

    async def action(instance):
        return await store_of(instance).make()

    click.echo(with_instance(ctx, action).to_json())
