"""`ncen audit verify`: walk the hash chain and name the first broken link."""

from __future__ import annotations

import click


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check every event's hash and link; exit 1 naming the first broken event."""
    from core.audit.verify import verify_chain
    from core.cli import with_instance

    async def action(instance):  # type: ignore[no-untyped-def]
        return await verify_chain(instance.db)

    report = with_instance(ctx, action)
    if not report.ok:
        raise click.ClickException(
            f"audit chain broken at event #{report.broken_at}: {report.reason} "
            f"({report.checked} events before it verified)"
        )
    click.echo(f"audit chain intact: {report.checked} events; head {report.head_hash}")
