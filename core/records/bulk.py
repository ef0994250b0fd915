"""Batches of new records written with Core executemany inserts instead of the unit of work.

The rows are the ORM objects the lifecycle checked (`check_create`), read back into plain
column values: the record table in one INSERT ... RETURNING id (ids in the order of the rows),
then each child table in one INSERT. The unit of work did the same with several times the
Python work per object (ten thousand cases of an import: seconds). Used only for models whose
every relationship is a declared child list of plain rows; others go through the session.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from core.bulk_insert import insert_values


def _mapper(model: type) -> Any:
    """The mapper of a mapped class (typed loosely: SQLAlchemy's overloads cannot tell)."""
    return sa_inspect(model)


@cache
def insertable(model: type, collections: tuple[str, ...]) -> bool:
    """Whether rows of `model` can be inserted here: a single integer `id` key, no inheritance,
    every relationship one of `collections`, whose children relate back to it only."""
    mapper = _mapper(model)
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
        for attr in _mapper(model).column_attrs
        if not (attr.columns[0].primary_key and attr.key == "id")
    )


class RowImage:
    """A checked new record as plain values: its set columns as attributes and its child lists
    as lists of images. Cheap to pickle, so that an import spools the rows its check pass made
    and its write pass inserts them without building and checking them again. Reads like the
    ORM object it was made from (`reference`, `goods[0].quantity`, ...)."""

    def __init__(self, model: type, values: dict[str, Any]) -> None:
        # Columns the row never set read None, as on the transient object, and get their
        # default when inserted (`_set` names the others).
        self.__dict__.update(dict.fromkeys(_column_keys(model)))
        self.__dict__.update(values)
        self._set = frozenset(values)
        self._model = model


_NOTHING: frozenset[str] = frozenset()


class PlainRow(RowImage):
    """A new record as a batch's check builds it (imports, bulk upserts): a plain object the
    module's `apply` fills as it would the ORM row (`case.goods = [...]`), without the ORM's
    instrumentation, which cost more than the rest of a row's check. Which attributes were set
    is tracked, so that an explicit None is inserted as NULL as the unit of work would, and
    an attribute never set gets its column default. An attribute never set reads as on a
    transient ORM row: None for a column, an empty list for a child list. Written by
    `insert_rows` only."""

    def __init__(self, model: type, values: dict[str, Any]) -> None:
        state = self.__dict__
        state.update(values)
        state["_model"] = model
        state["_set"] = _NOTHING

    # What was set is what its __dict__ holds (but the `_` names of its own): a read of an
    # attribute never set stores nothing, but for a child list, which the reader may append to.

    def __getattr__(self, name: str) -> Any:
        # Only for attributes never set (the others are found in __dict__ first).
        if name[0] != "_":
            kind = _unset(self.__dict__["_model"]).get(name)
            if kind == "list":
                value: list[Any] = []
                self.__dict__[name] = value  # a list read is appended to, as the ORM's
                return value
            if kind is not None:
                return None
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        # Only what was set (a spooled import row).
        return (PlainRow, (self.__dict__["_model"], _given(self)))


def _given(row: PlainRow) -> dict[str, Any]:
    """What a plain row was given (its attributes, not its own `_` names)."""
    return {k: v for k, v in row.__dict__.items() if k[0] != "_"}


@cache
def _unset(model: type) -> dict[str, str]:
    """Attribute -> what it reads when never set: "none" (columns, single rows), "list"."""
    kinds = dict.fromkeys(_column_keys(model), "none")
    for name, relationship in _mapper(model).relationships.items():
        kinds[name] = "list" if relationship.uselist else "none"
    return kinds


def plain_row(record: Any) -> PlainRow:
    """The plain stand-in of a transient ORM row (`RecordType.new`), with what it set."""
    state = {k: v for k, v in record.__dict__.items() if not k.startswith("_sa_")}
    return PlainRow(type(record), state)


_PLAIN_CHILDREN: ContextVar[bool] = ContextVar("plain_children", default=False)


@contextmanager
def plain_children() -> Iterator[None]:
    """While a batch's check applies an input to a `PlainRow`: child rows built by
    `core.records.child_rows` are plain too."""
    token = _PLAIN_CHILDREN.set(True)
    try:
        yield
    finally:
        _PLAIN_CHILDREN.reset(token)


def new_child(model: type, values: dict[str, Any]) -> Any:
    """A child row: plain inside `plain_children()`, else the ORM object."""
    return PlainRow(model, values) if _PLAIN_CHILDREN.get() else model(**values)


def flat(record: Any) -> tuple[type, dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """A checked new record as plain data (its model, what it set, what its child rows set):
    pickled by C code alone, several times faster than objects with a `__reduce__`.
    `unflat` makes the `PlainRow` back."""
    model = model_of(record)
    state = _state(record)
    children = {name: [_state(child) for child in state.get(name, ())] for name in _lists(model)}
    own = {k: v for k, v in state.items() if k not in children}
    return model, own, children


def unflat(data: tuple[type, dict[str, Any], dict[str, list[dict[str, Any]]]]) -> PlainRow:
    model, own, children = data
    record = _plain(model, own)
    state = record.__dict__
    models = _child_models(model)
    for name, rows in children.items():
        child = models[name]
        state[name] = [_plain(child, values) for values in rows]
    return record


def _plain(model: type, values: dict[str, Any]) -> PlainRow:
    """`PlainRow(model, values)` without the constructor call (an import makes one for each
    row it writes and for each of its child rows)."""
    row: PlainRow = object.__new__(PlainRow)
    state = row.__dict__
    state.update(values)
    state["_model"], state["_set"] = model, _NOTHING
    return row


@cache
def _child_models(model: type) -> dict[str, type]:
    """Child list -> the model of its rows."""
    return {n: r.mapper.class_ for n, r in _mapper(model).relationships.items() if r.uselist}


def model_of(record: Any) -> type:
    return record._model if isinstance(record, RowImage) else type(record)


def image_of(record: Any, *, children: bool = True) -> RowImage:
    """The image of a transient ORM object (columns it set, child lists as images); a plain
    row is its own image (child rows the module built as ORM objects become images)."""
    if isinstance(record, RowImage):
        if children:
            for name in _lists(record._model):
                rows = record.__dict__.get(name)
                if rows and not all(isinstance(row, RowImage) for row in rows):
                    record.__dict__[name] = [
                        row if isinstance(row, RowImage) else image_of(row, children=False)
                        for row in rows
                    ]
        return record
    model: type = type(record)
    state = record.__dict__  # the instance state's dict: what was set, nothing loaded
    values = {key: state[key] for key in _column_keys(model) if key in state}
    if children:
        for name in _lists(model):
            values[name] = [image_of(child, children=False) for child in state.get(name, ())]
    return RowImage(model, values)


@cache
def _lists(model: type) -> tuple[str, ...]:
    return tuple(n for n, r in _mapper(model).relationships.items() if r.uselist)


def _state(obj: Any) -> dict[str, Any]:
    if isinstance(obj, PlainRow):
        return _given(obj)
    if isinstance(obj, RowImage):
        # Set when made, or since (a reference given by `prepare_many`).
        return {k: v for k, v in obj.__dict__.items() if v is not None or k in obj._set}
    return obj.__dict__  # an ORM instance's __dict__ is its state's dict


def _read_state(obj: Any) -> dict[str, Any]:
    """`_state` for reading only: a plain row's own __dict__ (its `_` names are no columns)."""
    return obj.__dict__ if type(obj) is PlainRow else _state(obj)


@cache
def _column_keys(model: type) -> tuple[str, ...]:
    return tuple(attr.key for attr in _mapper(model).column_attrs)


@cache
def _defaults(model: type) -> tuple[dict[str, Any], list[tuple[str, str, Any]], dict[str, str]]:
    """Per model: column -> value when its attribute is never set (a scalar default, or None),
    the columns whose default is computed (attribute, column, function), and attribute ->
    column."""
    fixed: dict[str, Any] = {}
    computed: list[tuple[str, str, Any]] = []
    for key, column in _columns(model):
        default = column.default
        fixed[column.key] = default.arg if default is not None and default.is_scalar else None
        if default is not None and default.is_callable:
            computed.append((key, column.key, default.arg))
    return fixed, computed, {key: column.key for key, column in _columns(model)}


class _Layout(NamedTuple):
    """How a record's row is made as a list in column order, for `insert_values`: the
    columns (keys), the list of defaults a row starts from, attribute -> position, the
    computed defaults (attribute, position, function), and the position of the `key` column
    set per row (the id, or a child row's foreign key)."""

    columns: tuple[str, ...]
    template: list[Any]
    positions: dict[str, int]
    computed: tuple[tuple[str, int, Any], ...]
    key: int


@cache
def _layout(model: type, key: str) -> _Layout:
    fixed, computed, names = _defaults(model)
    columns = tuple(fixed) if key in fixed else (*fixed, key)
    position = {name: i for i, name in enumerate(columns)}
    return _Layout(
        columns,
        [fixed.get(name) for name in columns],
        {attribute: position[name] for attribute, name in names.items()},
        tuple((attribute, position[name], default) for attribute, name, default in computed),
        position[key],
    )


def _values_of(state: dict[str, Any], layout: _Layout, key: Any) -> list[Any]:
    """The column values of a transient object's state, with the column's Python default for
    an attribute never set (what the unit of work would insert)."""
    values = layout.template.copy()
    positions = layout.positions
    for attribute, value in state.items():
        found = positions.get(attribute)
        if found is not None:
            values[found] = value
    for attribute, found, default in layout.computed:
        if attribute not in state:
            values[found] = default(None)
    values[layout.key] = key
    return values


async def _new_ids(session: AsyncSession, table: Any, count: int) -> list[int]:
    """Ids for `count` new rows, taken before the insert so that one executemany INSERT
    without RETURNING writes them (RETURNING in row order costs SQLite one statement per row).
    PostgreSQL draws them from the id sequence; SQLite continues after the largest id, under
    the write lock every write transaction holds (what SQLite itself does for such a key)."""
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        found: Any = await session.scalars(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        )
        return list(found)
    largest = await session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(largest + 1, largest + 1 + count))


async def insert_rows(session: AsyncSession, model: type, records: Sequence[Any]) -> None:
    """Insert new records (ORM objects or images) and their child lists; sets each record's
    `id`. The objects stay out of the session (they are not read back)."""
    table = _mapper(model).local_table
    ids = await _new_ids(session, table, len(records))
    lists = _child_tables(model)
    layout = _layout(model, "id")
    layouts = [_layout(child, foreign) for _, child, _, foreign in lists]
    rows = []
    children: list[list[list[Any]]] = [[] for _ in lists]
    for record, record_id in zip(records, ids, strict=True):
        record.id = record_id
        state = _read_state(record)  # once per record: its row and its child lists
        rows.append(_values_of(state, layout, record_id))
        for (name, _, _, _), child_layout, found in zip(lists, layouts, children, strict=True):
            for item in state.get(name, ()):
                found.append(_values_of(_read_state(item), child_layout, record_id))
    await insert_values(session, table, layout.columns, rows)
    for (_, _, child_table, _), child_layout, found in zip(lists, layouts, children, strict=True):
        await insert_values(session, child_table, child_layout.columns, found)


@cache
def _child_tables(model: type) -> tuple[tuple[str, type, Any, str], ...]:
    """(relationship, child model, child table, foreign key attribute) of each child list."""
    found = []
    for name, relationship in _mapper(model).relationships.items():
        [(_, foreign)] = relationship.local_remote_pairs
        found.append(
            (name, relationship.mapper.class_, relationship.mapper.local_table, foreign.key)
        )
    return tuple(found)
