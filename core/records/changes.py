"""Which fields a write changed, read from the model itself: columns and declared child lists.

Bookkeeping columns (ids, versions, workflow state) and `DERIVED` ones (search keys, references)
are never named; a child list compares its rows by their content columns, without ids, foreign
keys or positions. Audit events and record events carry these names, never values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from operator import attrgetter
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper

from core.db import is_derived

BOOKKEEPING = frozenset(
    {
        "id",
        "version",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "validated_by",
        "validated_at",
        "last_changed_by",
        "workflow_comment",
    }
)


@cache
def _content_columns(model: type) -> tuple[str, ...]:
    mapper: Mapper[Any] = inspect(model)
    return tuple(
        attr.key
        for attr in mapper.column_attrs
        if attr.key not in BOOKKEEPING and not any(is_derived(c) for c in attr.columns)
    )


@cache
def _row_columns(model: type) -> tuple[str, ...]:
    """Content columns of a child row: no primary or foreign key, no position, nothing derived."""
    mapper: Mapper[Any] = inspect(model)
    return tuple(
        attr.key
        for attr in mapper.column_attrs
        for column in attr.columns[:1]
        if not column.primary_key
        and not column.foreign_keys
        and attr.key != "position"
        and not is_derived(column)
    )


def _child_columns(model: type, collection: str) -> tuple[str, ...]:
    return _row_columns(inspect(model).relationships[collection].mapper.class_)


def copy_given(record: Any, data: Any, names: Iterable[str]) -> None:
    """Copy the input fields that were sent (left out: keep the stored value; null clears)."""
    from core.records.declaration import given

    for name in names:
        value = getattr(data, name)
        if given(value):
            setattr(record, name, value)


def child_rows(model: type, items: Iterable[Any] | None) -> list[Any]:
    """Child rows built from input items whose attributes are named like the child's columns,
    numbered by `position` when the child has one (lists keep the order they were typed in)."""
    from core.records.bulk import new_child

    columns = _row_columns(model)
    read = _row_reader(model)
    numbered = _numbered(model)
    rows = []
    for index, item in enumerate(items or []):
        values = dict(zip(columns, read(item), strict=True))
        if numbered:
            values["position"] = index
        rows.append(new_child(model, values))
    return rows


@cache
def _row_reader(model: type) -> Any:
    """The content columns of a child row, read from an input item as one tuple."""
    return _tuple_getter(_row_columns(model))


@cache
def _numbered(model: type) -> bool:
    return "position" in inspect(model).column_attrs


def snapshot(record: Any, collections: Mapping[str, str | None]) -> dict[str, Any]:
    """Comparable content of a record (its declared child lists loaded), an ORM object or a
    `bulk.RowImage`."""
    from core.records.bulk import model_of

    model: type = model_of(record)
    names, read, children = _readers(model, tuple(collections))
    values = dict(zip(names, read(record), strict=True))
    for name, read_child in children:
        values[name] = [read_child(child) for child in getattr(record, name)]
    return values


@cache
def _readers(
    model: type, collections: tuple[str, ...]
) -> tuple[tuple[str, ...], Any, tuple[tuple[str, Any], ...]]:
    """What `snapshot` reads of a model, as one `attrgetter` per object (an import takes a
    snapshot of every new record): content columns, and per child list with content columns
    the getter of a row's tuple."""
    names = _content_columns(model)
    children = tuple(
        (name, _tuple_getter(_child_columns(model, name)))
        for name in collections
        if _child_columns(model, name)
    )
    return names, _tuple_getter(names), children


def _tuple_getter(names: tuple[str, ...]) -> Any:
    """`attrgetter(*names)`, a tuple whatever the number of names."""
    if not names:
        return lambda _obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(key for key in after if after[key] != before.get(key))


def filled_fields(values: Mapping[str, Any]) -> list[str]:
    """The fields a new record was created with."""
    return sorted(key for key, value in values.items() if value not in (None, "", [], {}))
