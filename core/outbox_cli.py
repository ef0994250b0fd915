"""`ncen outbox`: see what is waiting or dead in the outbox, and send dead rows round again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import inspect

from core.config import Config
from core.db import utcnow
from core.errors import NcenError
from core.instance import Instance
from core.outbox import (
    PENDING,
    UNASSIGNED,
    HandlerTable,
    OutboxRow,
    TopicState,
    retry_dead,
    status_counts,
)

T = TypeVar("T")
SQLITE_PREFIX = "sqlite+aiosqlite:///"


def _config(ctx: click.Context) -> Config:
    from core.cli import get_config  # imported when run, as by the other command groups

    return get_config(ctx)


def _run(config: Config, action: Callable[[Instance], Coroutine[Any, Any, T]]) -> T:
    """Run `action` on an instance whose database has the outbox table, else a clear error."""
    from core.cli import run

    if config.is_sqlite and not Path(config.database_url.removeprefix(SQLITE_PREFIX)).exists():
        raise NcenError(f"no database at {config.database_url}: run `ncen init` first")

    async def checked() -> T:
        instance = Instance(config)
        try:
            async with instance.db.engine.connect() as conn:
                has_table = await conn.run_sync(
                    lambda sync: inspect(sync).has_table(OutboxRow.__tablename__)
                )
            if not has_table:
                raise NcenError("the database has no outbox table: run `ncen db upgrade` first")
            return await action(instance)
        finally:
            await instance.db.dispose()

    return run(checked())


def format_age(age: dt.timedelta) -> str:
    """A short human age: 45s, 12m 03s, 5h 07m, 3d 04h."""
    seconds = max(int(age.total_seconds()), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


@click.group()
def outbox() -> None:
    """Transactional outbox: rows waiting for dispatch, done, or dead."""


@outbox.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Rows per topic, handler and state, and the age of the oldest pending row."""

    async def action(instance: Instance) -> tuple[list[TopicState], HandlerTable]:
        return await status_counts(instance.db), instance.outbox.handlers

    states, handlers = _run(_config(ctx), action)
    if not states:
        click.echo("the outbox is empty")
        return
    now = utcnow()
    table = Table("topic", "handler", "state", "rows", "oldest", "note")
    for s in states:
        table.add_row(
            s.topic,
            s.handler or "-",
            s.status,
            str(s.count),
            format_age(now - s.oldest),
            _note(s, handlers) if s.status == PENDING else "",
        )
    Console(width=120).print(table)
    pending = [s for s in states if s.status == PENDING]
    if pending:
        oldest = min(pending, key=lambda s: s.oldest)
        click.echo(
            f"oldest pending row: {format_age(now - oldest.oldest)} old (topic {oldest.topic})"
        )
    else:
        click.echo("no pending rows")


def _note(state: TopicState, handlers: HandlerTable) -> str:
    """Why pending rows may not move: nobody in this instance handles them."""
    if state.handler == UNASSIGNED:
        if handlers.keys_for(state.topic):
            return ""  # handed to the topic's handlers at the next claim
        return "no handler: module not enabled"
    if state.handler not in handlers.handlers:
        return "handler not registered: module not enabled"
    return ""


@outbox.command("retry")
@click.option("--topic", default=None, help="Only dead rows of this topic (default: all).")
@click.option("--handler", default=None, help="Only dead rows of this handler (default: all).")
@click.pass_context
def retry(ctx: click.Context, topic: str | None, handler: str | None) -> None:
    """Move dead rows back to pending, with a fresh set of attempts."""

    async def action(instance: Instance) -> tuple[int, list[TopicState]]:
        moved = await retry_dead(instance.db, topic, handler)
        known = [] if moved else await status_counts(instance.db)
        return moved, known

    moved, states = _run(_config(ctx), action)
    if not moved:
        if topic is not None and not any(s.topic == topic for s in states):
            raise NcenError(f"the outbox has no rows of topic {topic!r}")
        if handler is not None and not any(s.handler == handler for s in states):
            raise NcenError(f"the outbox has no rows of handler {handler!r}")
    scope = "".join(
        f" of {kind} {value}" for kind, value in (("topic", topic), ("handler", handler)) if value
    )
    click.echo(f"{moved} dead row(s){scope} moved back to pending")
