"""Batches of new records written with Core executemany inserts instead of the unit of work.

The rows are the ORM objects the lifecycle checked (`check_create`), read back into plain
column values: the record table in one INSERT ... RETURNING id (ids in the order of the rows),
then each child table in one INSERT. The unit of work did the same with several times the
Python work per object (ten thousand cases of an import: seconds). Used only for models whose
every relationship is a declared child list of plain rows; others go through the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession


@cache
def insertable(model: type, collections: tuple[str, ...]) -> bool:
    """Whether rows of `model` can be inserted here: a single integer `id` key, no inheritance,
    every relationship one of `collections`, whose children relate back to it only."""
    mapper = inspect(model)
    if mapper.inherits is not None or [c.key for c in mapper.primary_key] != ["id"]:
        return False
    if set(mapper.relationships.keys()) - set(collections):
        return False
    for name in collections:
        child = mapper.relationships[name].mapper
        if child.inherits is not None or any(
            rel.mapper is not mapper for rel in child.relationships
        ):
            return False
    return True


@cache
def _columns(model: type) -> tuple[tuple[str, Any], ...]:
    """(attribute, column) of every column but an autoincrement `id`."""
    return tuple(
        (attr.key, attr.columns[0])
        for attr in inspect(model).column_attrs
        if not (attr.columns[0].primary_key and attr.key == "id")
    )


def _row(obj: Any, model: type, **extra: Any) -> dict[str, Any]:
    """The column values of a transient object, with the column's Python default for an
    attribute never set (what the unit of work would insert)."""
    state = inspect(obj).dict
    row: dict[str, Any] = {}
    for key, column in _columns(model):
        if key in state:
            row[column.key] = state[key]
        elif column.default is not None and column.default.is_scalar:
            row[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            row[column.key] = column.default.arg(None)
        else:
            row[column.key] = None
    row.update(extra)
    return row


async def insert_rows(session: AsyncSession, model: type, records: Sequence[Any]) -> None:
    """Insert new records and their child lists; sets each record's `id`. The objects stay
    out of the session (they are not read back)."""
    mapper = inspect(model)
    table = mapper.local_table
    result = await session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [_row(record, model) for record in records],
    )
    for record, record_id in zip(records, result.scalars().all(), strict=True):
        record.id = record_id
    for name, relationship in mapper.relationships.items():
        child = relationship.mapper.class_
        [(_, foreign)] = relationship.local_remote_pairs
        rows = [
            _row(item, child, **{foreign.key: record.id})
            for record in records
            for item in inspect(record).dict.get(name, ())
        ]
        if rows:
            await session.execute(insert(relationship.mapper.local_table), rows)
