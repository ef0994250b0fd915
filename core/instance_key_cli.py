"""`ncen instance key`: the instance's public key, to give to peers and to whoever checks its
signed exports (core/instance_key.py)."""

from __future__ import annotations

import click

from core.cli import get_config


@click.group("instance")
def instance_group() -> None:
    """This instance's identity."""


@instance_group.command("key")
@click.pass_context
def key_command(ctx: click.Context) -> None:
    """Print the public key (hex) and its key id; the key is made on first use."""
    from core.instance_key import key_id, load_or_create, public_hex

    public = load_or_create(get_config(ctx).data_dir).public_key()
    click.echo(public_hex(public))
    click.echo(f"key id: {key_id(public)}", err=True)
