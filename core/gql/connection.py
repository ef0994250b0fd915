"""Relay-style connections with keyset cursors, shared by every module's list fields.

Cursors are opaque (base64 of a JSON list of the sort values and the id), so a page boundary
stays correct while rows are inserted, unlike offsets.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Select, tuple_
from strawberry.relay import PageInfo  # one PageInfo type for the whole schema

from core.gql.errors import InputError

NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode()


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """The sort values of `after`, or None; a cursor of another shape is a field error."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError("not a cursor returned by this field", field="after") from None
    if not isinstance(values, list) or len(values) != size:
        raise InputError("not a cursor returned by this field", field="after")
    return values


def cursor_key(after: str | None, *kinds: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """The sort values of `after`, each converted by its kind (`int`, `dt.date.fromisoformat`…);
    a cursor of another shape or with values of other kinds is a field error, never a 500."""
    values = decode_cursor(after, len(kinds))
    if values is None:
        return None
    try:
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except (TypeError, ValueError):
        raise InputError("not a cursor returned by this field", field="after") from None


def page_after(
    query: Select[Any],
    columns: Sequence[ColumnElement[Any]],
    key: tuple[Any, ...] | None,
    size: int,
) -> Select[Any]:
    """One page of `query` in descending order of `columns` (the last one unique), starting after
    `key`, with one extra row that tells `build_connection` whether another page exists."""
    page = query.order_by(*(column.desc() for column in columns)).limit(size + 1)
    if key is None:
        return page
    if len(columns) == 1:
        return page.where(columns[0] < key[0])
    return page.where(tuple_(*columns) < key)


def build_connection(
    nodes: Sequence[NodeT],
    keys: Sequence[Sequence[Any]],
    first: int,
    total: int,
    *,
    cursors: bool = True,
) -> Connection[NodeT]:
    """`nodes` holds up to first+1 items (the extra one only tells that another page exists).
    `cursors=False` when the selection asks for no edge's `cursor` (`selection(info)`): the
    edges then carry an empty one, never served; pageInfo's cursors are always right."""
    page = list(nodes[:first])
    if cursors:
        edges = [
            Edge(cursor=encode_cursor(key), node=node)
            for node, key in zip(page, keys, strict=False)
        ]
    else:
        edges = [Edge(cursor="", node=node) for node in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(nodes) > first,
            has_previous_page=False,  # forward pagination only
            start_cursor=encode_cursor(keys[0]) if page else None,
            end_cursor=encode_cursor(keys[len(page) - 1]) if page else None,
        ),
        total_count=total,
    )
