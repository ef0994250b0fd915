"""Many plain rows into one table with one executemany, on SQLite without SQLAlchemy's per-row
parameter handling.

For an `insert(table)` executed with a list of dicts, SQLAlchemy builds a dict of bound values
for each row, then its positional tuple: about as much CPU as SQLite's own insert of a narrow
row (an import writes nine rows a record: the case, its child rows, its audit event and its
outbox row). Here each row becomes its tuple directly, through the same bind processors
(`TypeEngine.bind_processor` of each column's type for the dialect: dates and times as text,
JSON serialised, `UTCDateTime` normalised), and goes to the driver's executemany
(`exec_driver_sql`). PostgreSQL keeps SQLAlchemy's own path (its batched multi-row INSERT).

Every row must name every column of `columns` (the callers build them from templates).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


@cache
def _statement(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[tuple[int, Any], ...]]:
    """The driver's INSERT of `columns` (column keys) and the bind processors to apply:
    (position, processor) of the columns that have one."""
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[key].name) for key in columns)
    marks = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) VALUES ({marks})"
    )
    processors = []
    for position, key in enumerate(columns):
        processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((position, processor))
    return sql, tuple(processors)


def _parameters(
    rows: Sequence[dict[str, Any]], columns: tuple[str, ...], processors: Any
) -> list[tuple[Any, ...]]:
    parameters = []
    for row in rows:
        values = [row[key] for key in columns]
        for position, processor in processors:
            values[position] = processor(values[position])
        parameters.append(tuple(values))
    return parameters


def _driver_path(dialect: Dialect) -> bool:
    return dialect.name == "sqlite" and dialect.paramstyle == "qmark"


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`session.execute(insert(table), rows)`, at a fraction of the CPU on SQLite."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if not _driver_path(dialect):
        await session.execute(insert(table), rows)
        return
    await session.flush()  # what the session's execute would do first (autoflush)
    columns = tuple(rows[0])
    sql, processors = _statement(table, columns, dialect)
    connection = await session.connection()
    await connection.exec_driver_sql(sql, _parameters(rows, columns, processors))


def insert_many_sync(
    connection: Connection | Session, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """`insert_many` for synchronous code (a session's before-commit hook)."""
    if not rows:
        return
    bind = connection.connection() if isinstance(connection, Session) else connection
    dialect = bind.dialect
    if not _driver_path(dialect):
        bind.execute(insert(table), list(rows))
        return
    columns = tuple(rows[0])
    sql, processors = _statement(table, columns, dialect)
    bind.exec_driver_sql(sql, _parameters(rows, columns, processors))
