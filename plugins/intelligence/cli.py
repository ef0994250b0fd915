"""`ncen xref MODULE` (cross-reference a whole database, with a progress bar) and
`ncen intelligence import LIST FILE --user NAME` (watch-list entries from CSV or XLSX)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from core.config import load_config

T = TypeVar("T")


def _run(ctx: click.Context, action: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run `action(instance)` on an instance that is built but not serving (no relay)."""
    from core.instance import Instance

    obj = ctx.ensure_object(dict)
    config = obj.get("config") or load_config(obj.get("config_path"))

    async def main() -> T:
        instance = Instance(config, extra_modules=obj.get("extra_modules", ()))
        try:
            return await action(instance)
        finally:
            await instance.db.dispose()

    return asyncio.run(main())


@click.command("xref")
@click.argument("module")
@click.pass_context
def xref_command(ctx: click.Context, module: str) -> None:
    """Cross-reference every record of MODULE with the records of every database, store the
    matching pairs with their explanation (GraphQL `xrefMatches`), and rebuild the blocking
    keys `matches(id)` uses."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from plugins.intelligence.xref import XrefReport, xref

    async def action(instance: Any) -> XrefReport:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=Console(stderr=True)) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, advanced: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                elif total is not None:
                    bar.update(tasks[stage], total=total)
                bar.advance(tasks[stage], advanced)

            try:
                return await xref(instance, module, progress)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None

    report = _run(ctx, action)
    click.echo(
        f"{report.module}: {report.records} records cross-referenced against "
        f"{report.indexed} records, {report.matches} matches in {report.seconds:.1f} s"
    )


@click.group("intelligence")
def intelligence_group() -> None:
    """Watch lists kept from files."""


@intelligence_group.command("import")
@click.argument("watch_list", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="The account that adds the entries.")
@click.pass_context
def import_command(ctx: click.Context, watch_list: int, path: Path, username: str) -> None:
    """Add the entries of a CSV or XLSX file (columns: kind, names, birth_date, nationalities,
    identifiers, terms, note, valid_from, valid_until) to watch list number WATCH_LIST, as
    USER. Every row is checked first: one bad row adds nothing, and every bad row is listed."""
    from sqlalchemy import select

    from core.auth.models import User
    from core.exchange.readers import FileFormatError, file_format
    from core.gql.errors import ApiError
    from plugins.intelligence import access, importer

    async def action(instance: Any) -> int:
        async with instance.db.session() as session:
            uid = await session.scalar(select(User.id).where(User.username == username))
            principal = await access.principal_of_user(session, uid) if uid else None
        if principal is None:
            raise click.ClickException(f"no active account {username!r}")
        try:
            report = await importer.import_file(
                instance, principal, watch_list, path, file_format(path), field="watch_list"
            )
        except (FileFormatError, ApiError) as exc:
            raise click.ClickException(str(exc)) from None
        if report.errors:
            lines = [importer.describe(e, path.name) for e in report.errors[:20]]
            if report.error_count > len(lines):
                lines.append(f"... and {report.error_count - len(lines)} more")
            lines.append("nothing was added")
            raise click.ClickException("\n".join(lines))
        return report.added

    added = _run(ctx, action)
    click.echo(f"{added} entries added to watch list {watch_list}")


@intelligence_group.command("run-searches")
@click.pass_context
def run_searches_command(ctx: click.Context) -> None:
    """Run every saved search that alerts on new data now, as its owner (a serving instance
    runs them every `saved_search_interval_seconds`)."""
    from plugins.intelligence.searches import run_all

    async def action(instance: Any) -> int:
        await instance.search.ensure_ready()
        return await run_all(instance)

    click.echo(f"{_run(ctx, action)} new records found by saved searches")
