"""`ncen search reindex [--module M]` and `ncen search check`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from core.config import Config, load_config
from core.search.documents import SearchType
from core.search.service import CheckReport

T = TypeVar("T")


def _config(ctx: click.Context) -> Config:
    obj = ctx.ensure_object(dict)
    if "config" not in obj:
        obj["config"] = load_config(obj.get("config_path"))
    return obj["config"]


def _run(ctx: click.Context, action: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run `action(instance)` on an instance that is built but not serving (no relay)."""
    from core.instance import Instance

    async def main() -> T:
        instance = Instance(_config(ctx), extra_modules=ctx.obj.get("extra_modules", ()))
        try:
            return await action(instance)
        finally:
            await instance.db.dispose()

    return asyncio.run(main())


class _BarProgress:
    """One rich progress bar per entity type."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def start(self, search_type: SearchType, total: int | None) -> None:
        self.tasks[search_type.entity_type] = self.progress.add_task(
            f"{search_type.module}/{search_type.entity_type}", total=total
        )

    def advance(self, search_type: SearchType, count: int) -> None:
        self.progress.advance(self.tasks[search_type.entity_type], count)


@click.group("search")
def search_group() -> None:
    """The full-text search index (rebuilt from the database, its source of truth)."""


@search_group.command("reindex")
@click.option(
    "--module",
    "modules",
    multiple=True,
    help="Rebuild only this module's entity types (repeatable); default: the whole index.",
)
@click.pass_context
def reindex(ctx: click.Context, modules: tuple[str, ...]) -> None:
    """Rebuild the index from the database; searches see the old index until it is done."""
    console = Console(stderr=True)

    async def action(instance: Any) -> dict[str, int]:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            return await instance.search.reindex(modules or None, progress=_BarProgress(progress))

    written = _run(ctx, action)
    for entity_type, count in written.items():
        click.echo(f"{entity_type}: {count} documents")
    click.echo(f"reindexed {sum(written.values())} documents")


@search_group.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Whether the index opens, and documents indexed against records per entity type."""

    async def action(instance: Any) -> CheckReport:
        return await instance.search.check()

    report = _run(ctx, action)
    click.echo(f"index: {report.status.state} ({report.status.detail})")
    table = Table("module", "entity type", "indexed", "database", "state")
    for item in report.types:
        database = "-" if item.database is None else str(item.database)
        state = "ok" if item.ok else "out of step: run `ncen search reindex`"
        table.add_row(
            item.search_type.module,
            item.search_type.entity_type,
            str(item.indexed),
            database,
            state,
        )
    for entity_type, count in sorted(report.foreign.items()):
        table.add_row("?", entity_type, str(count), "-", "not declared by an enabled module")
    Console().print(table)
    if not report.ok:
        raise click.ClickException("the search index needs a rebuild: `ncen search reindex`")
