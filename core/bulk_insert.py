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

from collections.abc import Iterable, Sequence
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


def _tuples(rows: Iterable[list[Any]], processors: Any) -> list[tuple[Any, ...]]:
    parameters = []
    for values in rows:
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
    columns = tuple(rows[0])
    await _driver_insert(session, table, columns, ([row[k] for k in columns] for row in rows))


async def insert_values(
    session: AsyncSession, table: Table, columns: tuple[str, ...], rows: Sequence[list[Any]]
) -> None:
    """`insert_many` of rows given as lists of values in the order of `columns` (column
    keys), which callers that build rows from a template make without a dict a row. The
    lists are used up (their values replaced by the bound ones)."""
    if not rows:
        return
    if not _driver_path(session.get_bind().dialect):
        await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    await _driver_insert(session, table, columns, rows)


async def _driver_insert(
    session: AsyncSession, table: Table, columns: tuple[str, ...], rows: Iterable[list[Any]]
) -> None:
    await session.flush()  # what the session's execute would do first (autoflush)
    connection = await session.connection()
    sql, processors = _statement(table, columns, connection.dialect)
    await connection.exec_driver_sql(sql, _tuples(rows, processors))


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
    bind.exec_driver_sql(sql, _tuples(([row[k] for k in columns] for row in rows), processors))
