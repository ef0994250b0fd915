"""Records read for matching without the ORM: the row's columns and the child lists its profile
needs, as plain objects with the same attribute names, so that `RecordType.match_profile` reads
them as it reads ORM rows. Screening reads thousands of records a second, and building ORM
instances (identity map, instrumentation) is most of that cost; these are about twice as cheap.

The child lists come from the model's relationships named in `RecordType.match_children`, one
query per list for the whole batch, in the relationship's `order_by`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 900  # ids per IN list (SQLite's default limit on bound parameters is 999)


async def plain_rows(
    session: AsyncSession, model: type, ids: Sequence[int], children: Sequence[str] = ()
) -> list[SimpleNamespace]:
    """The rows of `model` with these ids (missing ones left out), in no particular order."""
    mapper: Any = inspect(model)
    table = mapper.local_table
    found: dict[Any, SimpleNamespace] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        result = await session.execute(select(table).where(table.c.id.in_(chunk)))
        # Plain tuples zipped with the attribute names: Row.items() costs several times more.
        names = _attributes(mapper, result.keys())
        position = list(result.keys()).index("id")
        for row in result:
            found[row[position]] = SimpleNamespace(**dict(zip(names, row, strict=True)))
    if not found:
        return []
    for name in children:
        relationship = mapper.relationships[name]
        child = relationship.mapper
        child_table = child.local_table
        [(_local, remote)] = relationship.local_remote_pairs
        for parent in found.values():
            setattr(parent, name, [])
        parents = list(found)
        for start in range(0, len(parents), CHUNK):
            query = select(child_table).where(remote.in_(parents[start : start + CHUNK]))
            if relationship.order_by:
                query = query.order_by(*relationship.order_by)
            result = await session.execute(query)
            names = _attributes(child, result.keys())
            position = list(result.keys()).index(remote.key)
            for row in result:
                item = SimpleNamespace(**dict(zip(names, row, strict=True)))
                getattr(found[row[position]], name).append(item)
    return list(found.values())


def _attribute_of(mapper: Any) -> dict[str, str]:
    """Column name -> the mapped attribute's name (they differ where a column is renamed)."""
    return {prop.columns[0].key: prop.key for prop in mapper.column_attrs}


def _attributes(mapper: Any, columns: Any) -> list[str]:
    attribute_of = _attribute_of(mapper)
    return [attribute_of.get(c, c) for c in columns]
