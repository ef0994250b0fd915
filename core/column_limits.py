"""Values that do not fit their column are refused with a field error before they are written.

Modules validate their inputs, and name the exact field; this is the net under them, for text
and decimals. Without it, a value one character too long is an internal `DataError` on
PostgreSQL and is stored as given on SQLite (which ignores `VARCHAR(n)`), and a decimal with
more places than its `NUMERIC(p, s)` column is silently rounded (`1E-28`, "greater than zero",
became 0.000), so the two engines would disagree and data would change without a word. Checked
at flush, on the attribute values already loaded, so it costs no statement and never loads
anything.

- text: at most the column's length (`TOO_LONG`);
- decimals: finite, at most the column's scale in decimal places (`TOO_PRECISE`) and its
  precision minus scale in digits before the point (`TOO_LARGE`).
"""

from __future__ import annotations

import decimal
from typing import Any

from sqlalchemy import Numeric, String, event, inspect
from sqlalchemy.orm import Session, UOWTransaction
from strawberry.utils.str_converters import to_camel_case

from core.gql.errors import InputError

# Per mapper: (attribute, kind, length or (precision, scale)).
_LIMITS: dict[Any, list[tuple[str, str, Any]]] = {}


def _limits(mapper: Any) -> list[tuple[str, str, Any]]:
    """The bounded text and decimal columns of a mapper, computed once per mapper."""
    cached = _LIMITS.get(mapper)
    if cached is None:
        cached = []
        for attr in mapper.column_attrs:
            column_type = attr.columns[0].type
            if isinstance(column_type, String) and column_type.length:
                cached.append((attr.key, "text", column_type.length))
            elif isinstance(column_type, Numeric) and column_type.precision is not None:
                cached.append(
                    (attr.key, "decimal", (column_type.precision, column_type.scale or 0))
                )
        _LIMITS[mapper] = cached
    return cached


def decimal_problem(value: Any, precision: int, scale: int) -> tuple[str, str] | None:
    """(code, message) when `value` does not fit NUMERIC(precision, scale), else None."""
    if isinstance(value, float):
        value = decimal.Decimal(repr(value))
    if not isinstance(value, decimal.Decimal):
        return None
    if not value.is_finite():
        return "INVALID_DECIMAL", "a decimal must be a finite number"
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if value and -exponent > scale and value != value.quantize(decimal.Decimal(1).scaleb(-scale)):
        return "TOO_PRECISE", f"at most {scale} decimal places"
    if value and value.adjusted() + 1 > precision - scale:
        return "TOO_LARGE", f"at most {precision - scale} digits before the decimal point"
    return None


@event.listens_for(Session, "before_flush")
def refuse_values_that_do_not_fit(
    session: Session, _flush: UOWTransaction, _instances: Any
) -> None:
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        values = state.dict
        for key, kind, limit in _limits(state.mapper):
            value = values.get(key)
            if value is None:
                continue
            if kind == "text":
                if isinstance(value, str) and len(value) > limit:
                    raise InputError(
                        f"at most {limit} characters ({state.mapper.local_table.name}.{key})",
                        field=to_camel_case(key),
                        code="TOO_LONG",
                    )
                continue
            problem = decimal_problem(value, *limit)
            if problem is not None:
                code, message = problem
                raise InputError(
                    f"{message} ({state.mapper.local_table.name}.{key})",
                    field=to_camel_case(key),
                    code=code,
                )
