"""`ncen user ...` and `ncen token ...`: account administration from the command line.

Commands act as the `cli` actor in the audit log (with the operating-system user name).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy import select

from core.audit.writer import Actor
from core.gql.errors import ApiError

if TYPE_CHECKING:
    from core.instance import Instance

T = TypeVar("T")


def cli_actor() -> Actor:
    try:
        name = getpass.getuser()
    except Exception:  # no user name in some containers
        name = "unknown"
    return Actor("cli", None, name)


def run_with_instance(
    ctx: click.Context, action: Callable[[Instance], Coroutine[Any, Any, T]]
) -> T:
    """Run `action` on an instance of the configured database, after syncing permissions;
    service errors become one-line operator errors."""
    from core.auth.plugin import sync_instance_permissions
    from core.cli import with_instance

    async def wrapped(instance: Instance) -> T:
        await sync_instance_permissions(instance)
        return await action(instance)

    try:
        return with_instance(ctx, wrapped)
    except ApiError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("user")
def user_group() -> None:
    """User accounts: create, list, deactivate, reactivate, reset passwords, set roles."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--service",
    is_flag=True,
    help="A service account (a machine): no password, acts only through API tokens.",
)
@click.option("--display-name", default=None)
@click.option("--email", default=None)
@click.option("--unit", default=None, help="Unit or office.")
@click.option("--language", default=None)
@click.pass_context
def user_create(
    ctx: click.Context,
    username: str,
    roles: tuple[str, ...],
    password_stdin: bool,
    service: bool,
    display_name: str | None,
    email: str | None,
    unit: str | None,
    language: str | None,
) -> None:
    """Create USERNAME; without --password-stdin (or --service) a temporary password is
    printed once."""
    from core.auth.accounts import PERSON, SERVICE, Profile, create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    profile = Profile(display_name=display_name, email=email, unit=unit, language=language)

    async def action(instance: Instance) -> str | None:
        _, generated = await create_user(
            instance,
            cli_actor(),
            username,
            roles=list(roles),
            profile=profile,
            password=password,
            kind=SERVICE if service else PERSON,
        )
        return generated

    generated = run_with_instance(ctx, action)
    click.echo(f"created {username.lower()} with roles {', '.join(sorted(set(roles)))}")
    if generated:
        click.echo(f"temporary password (shown once, to be changed at first sign-in): {generated}")


@user_group.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List accounts with their roles and state."""
    from rich.console import Console
    from rich.table import Table

    from core.auth.models import User, UserRole

    async def action(instance: Instance) -> list[tuple[Any, list[str]]]:
        async with instance.db.session() as session:
            users = (await session.scalars(select(User).order_by(User.username))).all()
            roles: dict[int, list[str]] = {}
            for user_id, role in await session.execute(
                select(UserRole.user_id, UserRole.role).order_by(UserRole.role)
            ):
                roles.setdefault(user_id, []).append(role)
        return [(u, roles.get(u.id, [])) for u in users]

    table = Table("username", "display name", "roles", "active", "unit", "last login")
    for user, roles in run_with_instance(ctx, action):
        table.add_row(
            user.username,
            user.display_name,
            ", ".join(roles),
            "yes" if user.active else "no",
            user.unit,
            user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-",
        )
    Console(width=160).print(table)


@user_group.command("deactivate")
@click.argument("username")
@click.pass_context
def user_deactivate(ctx: click.Context, username: str) -> None:
    """Deactivate USERNAME and revoke its sessions and API tokens at once."""
    from core.auth.accounts import set_active

    run_with_instance(ctx, lambda instance: set_active(instance, cli_actor(), username, False))
    click.echo(f"deactivated {username}; its sessions and tokens are revoked")


@user_group.command("reactivate")
@click.argument("username")
@click.pass_context
def user_reactivate(ctx: click.Context, username: str) -> None:
    """Reactivate USERNAME (revoked sessions and tokens stay revoked)."""
    from core.auth.accounts import set_active

    run_with_instance(ctx, lambda instance: set_active(instance, cli_actor(), username, True))
    click.echo(f"reactivated {username}")


@user_group.command("reset-password")
@click.argument("username")
@click.pass_context
def user_reset_password(ctx: click.Context, username: str) -> None:
    """Print a one-time temporary password for USERNAME; ends its sessions and tokens."""
    from core.auth.accounts import reset_password

    temporary = run_with_instance(
        ctx, lambda instance: reset_password(instance, cli_actor(), username)
    )
    click.echo(f"temporary password (shown once, to be changed at next sign-in): {temporary}")


@user_group.command("unlock")
@click.argument("username")
@click.pass_context
def user_unlock(ctx: click.Context, username: str) -> None:
    """Lift the login throttle of USERNAME, from every address (its password unchanged)."""
    from core.auth.accounts import unlock_user

    run_with_instance(ctx, lambda instance: unlock_user(instance, cli_actor(), username))
    click.echo(f"{username}: login throttle lifted")


@user_group.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="Role (repeatable); none removes all.")
@click.pass_context
def user_set_roles(ctx: click.Context, username: str, roles: tuple[str, ...]) -> None:
    """Replace the roles of USERNAME."""
    from core.auth.accounts import set_user_roles

    granted = run_with_instance(
        ctx, lambda instance: set_user_roles(instance, cli_actor(), username, list(roles))
    )
    click.echo(f"{username}: {', '.join(granted) or 'no role'}")


@click.group("token")
def token_group() -> None:
    """API tokens for machine-to-machine use."""


@token_group.command("create")
@click.option("--user", "username", required=True, help="The service account the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, required=True, help="Permission (repeatable).")
@click.option("--expires-days", default=90, show_default=True, type=int)
@click.pass_context
def token_create(
    ctx: click.Context, username: str, name: str, scopes: tuple[str, ...], expires_days: int
) -> None:
    """Create an API token for a service account; its secret is printed once. Its scopes must
    be within the account's permissions."""
    from core.auth.api_tokens import create_token

    async def action(instance: Instance) -> tuple[str, Any]:
        return await create_token(
            instance,
            cli_actor(),
            username=username,
            name=name,
            scopes=list(scopes),
            expires_in_days=expires_days,
        )

    secret, token = run_with_instance(ctx, action)
    click.echo(f"token {token.id} ({token.name}) expires {token.expires_at:%Y-%m-%d}")
    click.echo(f"secret (shown once): {secret}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke the API token TOKEN_ID."""
    from core.auth.api_tokens import revoke_token

    run_with_instance(ctx, lambda instance: revoke_token(instance, cli_actor(), token_id))
    click.echo(f"token {token_id} revoked")
