"""Text longer than its column is refused with a field error before it reaches the database.

Modules validate their inputs, and name the exact field; this is the net under them. Without
it, a value one character too long is an internal `DataError` on PostgreSQL and is stored as
given on SQLite (which ignores `VARCHAR(n)`), so the two engines would disagree and a client
would get no useful error. Checked at flush, on the attribute values already loaded, so it costs
no statement and never loads anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, UOWTransaction
from strawberry.utils.str_converters import to_camel_case

from core.gql.errors import InputError

_LIMITS: dict[Any, list[tuple[str, int]]] = {}


def _limits(mapper: Any) -> list[tuple[str, int]]:
    """(attribute, length) of the mapper's bounded text columns, computed once per mapper."""
    cached = _LIMITS.get(mapper)
    if cached is None:
        cached = _LIMITS[mapper] = [
            (attr.key, column.type.length)
            for attr in mapper.column_attrs
            for column in attr.columns[:1]
            if isinstance(column.type, String) and column.type.length
        ]
    return cached


@event.listens_for(Session, "before_flush")
def refuse_overlong_text(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        values = state.dict
        for key, length in _limits(state.mapper):
            value = values.get(key)
            if isinstance(value, str) and len(value) > length:
                raise InputError(
                    f"at most {length} characters ({state.mapper.local_table.name}.{key})",
                    field=to_camel_case(key),
                    code="TOO_LONG",
                )
