"""List pages read with Core, following the selection: the columns and child collections the
client asked for, as plain records instead of ORM instances.

A module declares, once, its record table, its child collections and which columns each GraphQL
field of the record type is served from (`PageReads`); a list resolver then reads

    reads.columns(node)          # the columns the selection `node` of a record needs
    reads.select(columns)        # SELECT those columns: the start of the page's statement
    await reads.read(connection, page, wanted_children, params)

in one statement for the records and one per child collection asked for, whatever the page
size. Records are `SimpleNamespace`s of the module's record class with the attribute names of
the ORM model (so `from_row` and access checks take either); a column not read is None there and
a collection not read is empty. A field missing from the map makes a page read every column, so
a field the map forgets costs time, never a wrong answer. A record read in part must not be
primed into a request's loader that other fields use (`complete`).

ORM instances cost a multiple of the row to build (identity map, attribute events; a child
collection left out still costs a `set_committed_value` per record and collection), which a
list never needs: it writes nothing.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.gql.selection import Tree
from core.sqlite_reads import InPlaceConnection


@dataclass(frozen=True)
class Child:
    """A child collection: its table, the column naming the parent and the order within it."""

    table: Table
    parent: str
    order: str


@dataclass
class PageReads:
    """How a module's list pages read its records (see the module docstring)."""

    table: Table
    record: type[SimpleNamespace]
    children: Mapping[str, Child]
    # GraphQL field of the record type -> the columns of `table` it is served from.
    field_columns: Mapping[str, tuple[str, ...]]
    # Read whatever the selection: the id, and what the page's cursor is made of.
    key_columns: tuple[str, ...] = ("id",)
    _row_types: dict[str, Any] = field(init=False, repr=False)
    _child_reads: dict[str, Select[Any]] = field(init=False, repr=False)
    _names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._names = tuple(column.key for column in self.table.c)
        for name in self._names:  # a column not read reads as None
            setattr(self.record, name, None)
        # Child rows become plain named tuples: graphql-core asks each list item whether it is
        # awaitable (`hasattr(item, "__await__")`), which a SQLAlchemy `Row` answers by raising
        # and catching an exception of its own, per row.
        self._row_types = {
            name: namedtuple(f"{child.table.name}_row", child.table.c.keys())
            for name, child in self.children.items()
        }
        # Built once: building and keying a statement costs more than running it for a page.
        self._child_reads = {
            name: select(child.table)
            .where(child.table.c[child.parent].in_(bindparam("ids", expanding=True)))
            .order_by(child.table.c[child.parent], child.table.c[child.order])
            for name, child in self.children.items()
        }

    def columns(self, node: Tree) -> tuple[str, ...] | None:
        """The columns to read to serve the selection `node` of a record, in table order (a
        stable key for statements built once); None: every column."""
        return self.columns_for(node.names)

    def columns_for(self, names: Iterable[str], also: Iterable[str] = ()) -> tuple[str, ...] | None:
        """The columns to read to serve the GraphQL fields `names` of a record, with `also`."""
        wanted = set(self.key_columns)
        wanted.update(also)
        for name in names:
            found = self.field_columns.get(name)
            if found is None:
                return None
            wanted.update(found)
        if len(wanted) >= len(self._names):
            return None
        return tuple(name for name in self._names if name in wanted)

    def select(self, columns: tuple[str, ...] | None = None) -> Select[Any]:
        """`SELECT <columns>` (every column when None): the start of a page."""
        if columns is None:
            return select(self.table)
        return select(*(self.table.c[name] for name in columns))

    def complete(self, columns: tuple[str, ...] | None, children: Iterable[str] | None) -> bool:
        """Whether records read with `columns` and `children` hold everything."""
        return columns is None and (children is None or set(children) >= set(self.children))

    async def read(
        self,
        session: AsyncSession | AsyncConnection | InPlaceConnection,
        page: Select[Any],
        children: Iterable[str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> list[Any]:
        """The records of `page` (built on `select()`) with their child collections (all, or
        those named in `children`; the others are left empty)."""
        # Through the connection: Core statements run through `session.execute` pay for the
        # ORM's statement handling with nothing to show for it.
        connection = await session.connection() if isinstance(session, AsyncSession) else session
        make = self.record
        result = await connection.execute(page, params)
        keys = list(result.keys())  # once: `row._mapping` per row costs five times more
        records = [make(**dict(zip(keys, row, strict=True))) for row in result]
        if not records:
            return records
        ids = [record.id for record in records]
        by_id: dict[Any, Any] = {}
        for record in records:
            by_id[record.id] = record
            for name in self.children:
                setattr(record, name, [])
        chosen = None if children is None else set(children)
        for name, child in self.children.items():
            if chosen is not None and name not in chosen:
                continue
            rows = await connection.execute(self._child_reads[name], {"ids": ids})
            build = self._row_types[name]._make
            key = child.parent
            for row in rows:
                item = build(row)
                getattr(by_id[getattr(item, key)], name).append(item)
        return records
