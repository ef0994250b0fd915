"""Integer record ids read from client input (global ids, cursors), checked once here.

`str.isdigit()` accepts "²" and "١٢", which `int()` then refuses or reads, and any number of
digits, which the database driver cannot bind (an overflow on SQLite, a DataError on
PostgreSQL): both were internal errors. A record id is 1 to 19 ASCII digits within a signed
64-bit integer, or it is no id at all.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_RECORD_ID = 2**63 - 1


def record_id(value: object) -> int | None:
    """The integer id `value` names, or None when it cannot name a record."""
    text = str(value)
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_RECORD_ID else None


def record_ids(values: Iterable[object]) -> list[int]:
    """The ids among `values` that can name records (the others are left out)."""
    return [number for number in map(record_id, values) if number is not None]
