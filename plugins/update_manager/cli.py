"""`ncen update ...`: status, check, download, apply, rollback, history, recover, and the
maintainers' `ncen update repo init|add|publish`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.cli import with_instance

if TYPE_CHECKING:
    from core.instance import Instance

FROM = click.option(
    "--from",
    "from_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A repository directory (removable media) instead of the configured repository.",
)


def _actor():  # type: ignore[no-untyped-def]
    from core.auth.cli import cli_actor

    return cli_actor()


@click.group("update")
def update_group() -> None:
    """Signed updates of ncen, its modules and code lists (docs/updates.md)."""


@update_group.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """The active environment, installed versions, an update in progress, the last check."""
    from plugins.update_manager.status import status

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await status(instance)

    info = with_instance(ctx, action)
    click.echo(f"active environment: {info.active_environment}")
    click.echo(f"running environment: {info.running_environment}")
    click.echo(f"ncen: {info.ncen_version}")
    for line in info.installed:
        click.echo(f"installed: {line}")
    launcher = f"running (pid {info.launcher_pid})" if info.launcher_pid else "not running"
    click.echo(f"launcher: {launcher}")
    if info.in_progress:
        click.echo(f"in progress: {info.in_progress}")
    click.echo(
        f"last check: {info.last_check or 'never'}"
        + (f" ({info.last_error})" if info.last_error else "")
    )
    for line in info.available:
        click.echo(f"available: {line}")


def _print_candidates(found) -> None:  # type: ignore[no-untyped-def]
    if not found:
        click.echo("the repository holds no release")
    for candidate in found:
        m = candidate.manifest
        mark = "applicable" if candidate.applicable else f"not applicable: {candidate.reason}"
        click.echo(
            f"{m.name} {m.version} ({m.kind}; installed: {candidate.installed or '-'}): {mark}"
        )


@update_group.command("check")
@FROM
@click.pass_context
def check_command(ctx: click.Context, from_dir: Path | None) -> None:
    """Verify the repository's signed metadata and list its releases."""
    from plugins.update_manager import service

    async def action(instance: Instance):  # type: ignore[no-untyped-def]
        return await service.check(instance, from_dir)

    _print_candidates(with_instance(ctx, action))


@update_group.command("download")
@click.argument("name", required=False)
@click.argument("version", required=False)
@FROM
@click.pass_context
def download_command(
    ctx: click.Context, name: str | None, version: str | None, from_dir: Path | None
) -> None:
    """Verify and keep a release's bundle in the data directory, for a later apply."""
    import asyncio

    from plugins.update_manager import service

    async def action(instance: Instance) -> Path:
        found = await service.check(instance, from_dir)
        manifest = service.find_release(found, name, version)
        client = service._client(instance, service.source_for(instance))
        return await asyncio.to_thread(client.download, manifest)

    click.echo(f"verified and kept: {with_instance(ctx, action)}")


@update_group.command("apply")
@click.argument("name", required=False)
@click.argument("version", required=False)
@FROM
@click.option(
    "--requested", is_flag=True, help="Apply the release requested through GraphQL (ncen-launcher)."
)
@click.pass_context
def apply_command(
    ctx: click.Context,
    name: str | None,
    version: str | None,
    from_dir: Path | None,
    requested: bool,
) -> None:
    """Apply a release: NAME [VERSION], or the next applicable one.

    Verify, pre-flight, back up, install side by side, migrate, health-check, switch; any
    failure rolls back. Application and module releases need the server stopped (or ncen-launcher,
    which does it); data-only releases apply in one transaction.
    """
    from plugins.update_manager import service
    from plugins.update_manager.errors import UpdateError
    from plugins.update_manager.journal import REQUESTED, Journal

    async def action(instance: Instance) -> service.Outcome:
        paths = service.paths_of(instance)
        if requested:
            journal = Journal.current(paths)
            if journal is None or journal.state != REQUESTED:
                raise UpdateError("no update is waiting to be applied")
            from core.audit.writer import Actor

            return await service.apply(
                instance,
                journal.manifest,
                Actor(**journal.actor),
                source=service.Source(journal.source or ""),
                journal=journal,
            )
        found = await service.check(instance, from_dir)
        manifest = service.find_release(found, name, version)
        return await service.apply(
            instance, manifest, _actor(), source=service.source_for(instance)
        )

    outcome = with_instance(ctx, action)
    click.echo(outcome.message)
    if outcome.restart_needed and not requested:
        click.echo("restart the server to serve the new version (ncen-launcher does it itself)")


@update_group.command("rollback")
@click.option(
    "--restore-database",
    is_flag=True,
    help="Also restore the backup taken before the update (required if it migrated; "
    "changes made since are lost).",
)
@click.pass_context
def rollback_command(ctx: click.Context, restore_database: bool) -> None:
    """Go back to the environment active before the last application or module update."""
    from plugins.update_manager import service

    async def action(instance: Instance) -> str:
        return await service.manual_rollback(instance, _actor(), restore_database=restore_database)

    click.echo(with_instance(ctx, action))
    click.echo("restart the server to serve the previous version")


@update_group.command("history")
@click.pass_context
def history_command(ctx: click.Context) -> None:
    """Applied and rolled-back updates, newest first."""
    from rich.console import Console
    from rich.table import Table

    from plugins.update_manager import service

    rows = with_instance(ctx, service.history)
    table = Table("finished", "release", "version", "kind", "state", "by", "message")
    for row in rows:
        table.add_row(
            row.finished_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
            row.release_name,
            row.version,
            row.kind,
            row.state,
            row.actor_name or "-",
            row.message,
        )
    Console(width=200).print(table)


@update_group.command("recover")
@click.pass_context
def recover_command(ctx: click.Context) -> None:
    """Finish or roll back an apply a crash interrupted (ncen-launcher runs it at start)."""
    from plugins.update_manager import service

    message = with_instance(ctx, service.recover)
    click.echo(message or "no interrupted update")


# --- maintainers ----------------------------------------------------------------------------

KEYS = click.option(
    "--keys",
    "keys_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the private keys (outside the repository).",
)


@update_group.group("repo")
def repo_group() -> None:
    """Maintainers: build a signed update repository in a directory."""


@repo_group.command("init")
@click.argument("repo", type=click.Path(file_okay=False, path_type=Path))
@KEYS
def repo_init(repo: Path, keys_dir: Path) -> None:
    """New keys and metadata; prints the trusted root to ship with instances."""
    from plugins.update_manager.repository import init_repository

    root = init_repository(repo, keys_dir)
    click.echo(f"repository created in {repo}; private keys in {keys_dir} (keep root's offline)")
    click.echo(f"trusted root to ship with instances: {root}")


@repo_group.command("add")
@click.argument("repo", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@KEYS
def repo_add(repo: Path, spec: Path, keys_dir: Path) -> None:
    """Build the bundle of a release spec (TOML) and sign it into targets."""
    from plugins.update_manager.repository import DirectoryRepository, add_release

    manifest = add_release(DirectoryRepository(repo, keys_dir), spec)
    click.echo(f"added {manifest.key} ({manifest.kind}) as {manifest.target_path}; now publish")


@repo_group.command("publish")
@click.argument("repo", type=click.Path(exists=True, file_okay=False, path_type=Path))
@KEYS
@click.option(
    "--days", type=click.IntRange(1, 3650), default=None, help="Validity of snapshot and timestamp."
)
def repo_publish(repo: Path, keys_dir: Path, days: int | None) -> None:
    """Sign new snapshot and timestamp metadata (also renews their expiry)."""
    from plugins.update_manager.repository import DirectoryRepository, publish

    expiry = {"snapshot": days, "timestamp": days} if days else None
    snapshot, timestamp = publish(DirectoryRepository(repo, keys_dir, expiry))
    click.echo(f"published: snapshot v{snapshot}, timestamp v{timestamp}")
