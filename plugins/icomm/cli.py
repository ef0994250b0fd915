"""`ncen peer ...`: connected instances and their agreements, for operators (audited as the
system user running the command)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from core.instance import Instance


def _run(ctx: click.Context, action):  # type: ignore[no-untyped-def]
    from core.auth.cli import run_with_instance

    return run_with_instance(ctx, action)


def _actor():  # type: ignore[no-untyped-def]
    from core.auth.cli import cli_actor

    return cli_actor()


@click.group("peer")
def peer_group() -> None:
    """Connected instances (docs/icomm.md): register, list, show, remove, agreements."""


@peer_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--key", required=True, help="The peer's public key (`ncen instance key` there).")
@click.option("--country", default=None, help="The peer's country (ISO 3166 alpha-2).")
@click.pass_context
def add_command(ctx: click.Context, name: str, url: str, key: str, country: str | None) -> None:
    """Register the instance served at URL under NAME (`global`: the global database)."""
    from plugins.icomm.peers import add_peer

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await add_peer(instance, _actor(), name, url, key, country)

    peer = _run(ctx, action)
    click.echo(f"added peer {peer.name} at {peer.url} (key {peer.key_id})")


def _print(view) -> None:  # type: ignore[no-untyped-def]
    from plugins.icomm.peers import is_valid

    p = view.peer
    today = dt.datetime.now(dt.UTC).date()
    click.echo(f"{p.name}  {p.url}  key {p.key_id}  country {p.country or '-'}")
    click.echo(f"  public key: {p.public_key}")
    if not view.agreements:
        click.echo("  no agreement: nothing is sent to it or accepted from it")
    for a in view.agreements:
        valid = any(is_valid(a, d, today) for d in ("send", "receive"))
        until = a.valid_until.isoformat() if a.valid_until else "open-ended"
        click.echo(
            f"  agreement {a.id}: {a.reference} ({a.direction}, {a.valid_from} to {until}, "
            f"{'nominal' if a.nominal else 'non-nominal'}"
            f"{', ' + ', '.join(a.record_types) if a.record_types else ''})"
            f"{' - revoked ' + a.revoked_at.date().isoformat() if a.revoked_at else ''}"
            f"{'' if valid or a.revoked_at else ' - not valid today'}"
        )
        click.echo(f"    legal basis: {a.legal_basis}")


@peer_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every connected instance and its agreements."""
    from plugins.icomm.peers import list_peers

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await list_peers(instance)

    views = _run(ctx, action)
    if not views:
        click.echo("no peer")
    for view in views:
        _print(view)


@peer_group.command("show")
@click.argument("name")
@click.pass_context
def show_command(ctx: click.Context, name: str) -> None:
    """One connected instance and its agreements."""
    from plugins.icomm.peers import list_peers

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await list_peers(instance, name)

    for view in _run(ctx, action):
        _print(view)


@peer_group.command("remove")
@click.argument("name")
@click.pass_context
def remove_command(ctx: click.Context, name: str) -> None:
    """Forget a connected instance and its agreements."""
    from plugins.icomm.peers import remove_peer

    async def action(instance: Instance) -> None:
        await remove_peer(instance, _actor(), name)

    _run(ctx, action)
    click.echo(f"removed peer {name}")


@peer_group.command("agree")
@click.argument("name")
@click.option("--legal-basis", required=True, help="The legal premise of the exchange.")
@click.option("--reference", required=True, help="The agreement's reference.")
@click.option(
    "--from", "valid_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: today."
)
@click.option("--until", "valid_until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option(
    "--direction", type=click.Choice(["send", "receive", "both"]), default="both", show_default=True
)
@click.option("--record-type", "record_types", multiple=True, help="Record type (repeatable).")
@click.option("--nominal", is_flag=True, help="Nominal fields may be included.")
@click.pass_context
def agree_command(
    ctx: click.Context,
    name: str,
    legal_basis: str,
    reference: str,
    valid_from: dt.datetime | None,
    valid_until: dt.datetime | None,
    direction: str,
    record_types: tuple[str, ...],
    nominal: bool,
) -> None:
    """Record an agreement with the peer NAME."""
    from plugins.icomm.peers import AgreementInput, add_agreement

    data = AgreementInput(
        legal_basis=legal_basis,
        reference=reference,
        valid_from=valid_from.date() if valid_from else dt.datetime.now(dt.UTC).date(),
        valid_until=valid_until.date() if valid_until else None,
        direction=direction,
        record_types=record_types,
        nominal=nominal,
    )

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await add_agreement(instance, _actor(), name, data)

    agreement = _run(ctx, action)
    click.echo(f"agreement {agreement.id} with {name}: {agreement.reference}")


@peer_group.command("revoke")
@click.argument("agreement_id", type=int)
@click.pass_context
def revoke_command(ctx: click.Context, agreement_id: int) -> None:
    """Revoke an agreement (by the number `peer show` prints): kept on record as the legal
    basis of past exchanges, it allows nothing more from now on."""
    from plugins.icomm.peers import revoke_agreement

    async def action(instance: Instance) -> None:
        await revoke_agreement(instance, _actor(), agreement_id)

    _run(ctx, action)
    click.echo(f"revoked agreement {agreement_id}")


@peer_group.command("disagree")
@click.argument("agreement_id", type=int)
@click.pass_context
def disagree_command(ctx: click.Context, agreement_id: int) -> None:
    """Withdraw an agreement (by the number `peer show` prints)."""
    from plugins.icomm.peers import remove_agreement

    async def action(instance: Instance) -> None:
        await remove_agreement(instance, _actor(), agreement_id)

    _run(ctx, action)
    click.echo(f"withdrew agreement {agreement_id}")
