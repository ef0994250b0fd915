"""Watch-list entries from a CSV or XLSX file: one entry per row, the first row names the
columns (any order, case ignored); a CSV file is separated by `,`, `;` or tabs (whichever its
header uses), and lists inside a cell by `|`:

| column | holds |
|---|---|
| `kind` | person, company, conveyance or term (required) |
| `names` | names and aliases, separated by `|` |
| `birth_date` | YYYY, YYYY-MM or YYYY-MM-DD |
| `nationalities` | ISO 3166 alpha-2 codes, separated by `|` |
| `identifiers` | `family:value` pairs separated by `|` (`plate:AB-123-CD | imo:9074729`) |
| `terms` | free terms, separated by `|` |
| `note`, `valid_from`, `valid_until` | as in GraphQL (dates YYYY-MM-DD) |

Every row is checked before any is added: a file with one bad row adds nothing, and the error
names the row and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import NcenError
from core.gql.errors import InputError
from plugins.intelligence.entries import EntryData

COLUMNS = (
    "kind",
    "names",
    "birth_date",
    "nationalities",
    "identifiers",
    "terms",
    "note",
    "valid_from",
    "valid_until",
)
MAX_ROWS = 100_000
LIST_SEPARATOR = "|"

Row = tuple[EntryData, str | None, dt.date | None, dt.date | None]


class ImportError_(NcenError):
    """A row of the file is refused; the message names it."""


def _cells(path: Path) -> Iterator[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()
        return
    text = path.read_text(encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # spreadsheets write `;` where `,` is decimal
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in str(value).split(LIST_SEPARATOR) if part.strip()]


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ImportError_(f"{where}: not a date (YYYY-MM-DD): {value!r}") from None


def read_entries(path: Path) -> list[tuple[int, Row]]:
    """(row number, entry) for each filled row of the file (checked later, all together)."""
    rows = _cells(path)
    header = next(rows, None)
    if not header:
        raise ImportError_(f"{path.name}: empty file")
    names = [str(h or "").strip().lower() for h in header]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown or "kind" not in names:
        raise ImportError_(
            f"{path.name}: columns are {', '.join(COLUMNS)} (kind required); unknown: {unknown}"
        )
    found: list[tuple[int, Row]] = []
    for number, cells in enumerate(rows, start=2):
        values = dict(zip(names, cells, strict=False))
        if not any(str(v).strip() for v in values.values() if v is not None):
            continue
        if len(found) >= MAX_ROWS:
            raise ImportError_(f"{path.name}: at most {MAX_ROWS} rows")
        where = f"{path.name} row {number}"
        identifiers = []
        for pair in _split(values.get("identifiers")):
            family, _, value = pair.partition(":")
            if not value.strip():
                raise ImportError_(f"{where}, identifiers: write family:value, got {pair!r}")
            identifiers.append((family.strip().lower(), value.strip()))
        data = EntryData(
            kind=str(values.get("kind") or "").strip().lower(),
            names=_split(values.get("names")),
            birth_date=str(values["birth_date"]).strip() if values.get("birth_date") else None,
            nationalities=_split(values.get("nationalities")),
            identifiers=identifiers,
            terms=_split(values.get("terms")),
        )
        note = str(values["note"]).strip() if values.get("note") else None
        start = _date(values.get("valid_from"), f"{where}, valid_from")
        end = _date(values.get("valid_until"), f"{where}, valid_until")
        found.append((number, (data, note, start, end)))
    return found


def row_of_error(exc: InputError, path: Path, numbers: list[int]) -> str:
    """`input[3].names[0]: ...` -> `file.csv row 5, names[0]: ...` (row 1 is the header)."""
    field = str(exc.extensions.get("field", ""))
    head, _, rest = field.partition(".")
    if head.startswith("input[") and head.endswith("]"):
        return f"{path.name} row {numbers[int(head[6:-1])]}, {rest or 'row'}: {exc}"
    if head == "input" and len(numbers) == 1:
        return f"{path.name} row {numbers[0]}, {rest or 'row'}: {exc}"
    return f"{path.name}, {rest or field}: {exc}"
