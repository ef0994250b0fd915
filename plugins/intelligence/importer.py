"""Watch-list entries from a CSV or XLSX file: one entry per row, the first row names the
columns (any order, case ignored); files are read by core's data exchange readers
(`core.exchange.readers`: streamed, UTF-8 with or without BOM, `,` or `;` separated, the first
sheet of a workbook), and lists inside a cell are separated by `|`:

| column | holds |
|---|---|
| `kind` | person, company, conveyance or term (required) |
| `names` | names and aliases, separated by `|` |
| `birth_date` | YYYY, YYYY-MM or YYYY-MM-DD |
| `nationalities` | ISO 3166 alpha-2 codes, separated by `|` |
| `identifiers` | `family:value` pairs separated by `|` (`plate:AB-123-CD | imo:9074729`) |
| `terms` | free terms, separated by `|` |
| `note`, `valid_from`, `valid_until` | as in GraphQL (dates YYYY-MM-DD) |

Every row is checked before any is added: a file with a bad row adds nothing, and every bad row
is reported (row, column, field, code, message: `core.exchange.importer.RowError`, as data
exchange reports them), up to `MAX_ERRORS`. Used by `ncen intelligence import` and the upload
endpoint (`plugins/intelligence/http.py`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.exchange.importer import RowError
from core.exchange.readers import FileFormatError, open_table
from core.gql.errors import InputError
from plugins.intelligence import service
from plugins.intelligence.entries import EntryData

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

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
MAX_ERRORS = 1000
LIST_SEPARATOR = "|"
INVALID = "INVALID_INPUT"
# The field of a checked entry (`input.birthDate`) -> the file's column.
_COLUMN_OF_FIELD = {
    "kind": "kind",
    "names": "names",
    "birthDate": "birth_date",
    "nationalities": "nationalities",
    "identifiers": "identifiers",
    "terms": "terms",
    "note": "note",
    "validFrom": "valid_from",
    "validUntil": "valid_until",
}


@dataclass
class ImportReport:
    """What an import did: `added` is 0 whenever `errors` is not empty (nothing was written)."""

    rows: int = 0
    added: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def refuse(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


class _CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in str(value).split(LIST_SEPARATOR) if part.strip()]


def _date(value: Any, column: str) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _CellError(column, f"not a date (YYYY-MM-DD): {value!r}") from None


def _entry(values: dict[str, Any]) -> service.Given:
    identifiers = []
    for pair in _split(values.get("identifiers")):
        family, _, value = pair.partition(":")
        if not value.strip():
            raise _CellError("identifiers", f"write family:value, got {pair!r}")
        identifiers.append((family.strip().lower(), value.strip()))
    birth = values.get("birth_date")
    if isinstance(birth, dt.date):
        birth = birth.isoformat()
    data = EntryData(
        kind=str(values.get("kind") or "").strip().lower(),
        names=_split(values.get("names")),
        birth_date=str(birth).strip() if birth else None,
        nationalities=_split(values.get("nationalities")),
        identifiers=identifiers,
        terms=_split(values.get("terms")),
    )
    note = str(values["note"]).strip() if values.get("note") else None
    start = _date(values.get("valid_from"), "valid_from")
    end = _date(values.get("valid_until"), "valid_until")
    return data, note, start, end


def _error_of(number: int, exc: InputError, header: dict[str, str]) -> RowError:
    """`input.identifiers[0].value` -> column `identifiers` as the file spells it."""
    where = str(exc.extensions.get("field") or "input")
    path = where.removeprefix("input").lstrip(".")
    top = path.split(".", 1)[0].split("[", 1)[0]
    column = _COLUMN_OF_FIELD.get(top)
    return RowError(
        number,
        header.get(column, column) if column else None,
        path or "row",
        str(exc.extensions.get("code", INVALID)),
        str(exc),
    )


def check_file(path: Path, kind: str, report: ImportReport) -> list[service.Checked]:
    """Every row of the file, checked; bad rows go to `report`. FileFormatError for a file
    that is not a table of these columns."""
    checked: list[service.Checked] = []
    with open_table(path, kind) as (names, rows):
        header = {n.strip().lower(): n for n in names if n.strip()}
        unknown = [spelled for lower, spelled in header.items() if lower not in COLUMNS]
        if unknown or "kind" not in header:
            raise FileFormatError(
                f"{path.name}: columns are {', '.join(COLUMNS)} (kind required); unknown: {unknown}"
            )
        for row in rows:
            report.rows += 1
            if report.rows > MAX_ROWS:
                raise FileFormatError(f"{path.name}: at most {MAX_ROWS} rows")
            values = {name.strip().lower(): value for name, value in row.values.items()}
            try:
                checked.append(service.check_entry(_entry(values), "input"))
            except _CellError as exc:
                column = header.get(exc.column, exc.column)
                report.refuse(RowError(row.number, column, exc.column, INVALID, str(exc)))
            except InputError as exc:
                report.refuse(_error_of(row.number, exc, header))
    return checked


async def import_file(
    instance: Instance,
    principal: Principal,
    list_id: int | None,
    path: Path,
    kind: str,
    *,
    dry_run: bool = False,
    field: str = "watchList",
) -> ImportReport:
    """Check the whole file, then add every entry in one transaction, or none if a row is bad
    (or on a dry run). FileFormatError for an unreadable file; ApiError for the list."""
    report = ImportReport(dry_run=dry_run)
    # Parsing a workbook of 100,000 rows takes seconds: off the event loop.
    checked = await asyncio.to_thread(check_file, path, kind, report)
    if report.error_count == 0 and report.rows == 0:
        raise FileFormatError(f"{path.name}: no entry")
    if report.error_count or dry_run:
        return report
    rows = await service.add_checked(
        instance, principal, list_id, checked, field=field, source=kind
    )
    report.added = len(rows)
    return report


async def import_content(
    instance: Instance,
    principal: Principal,
    list_id: int | None,
    content: bytes,
    kind: str,
    *,
    dry_run: bool = False,
    field: str = "watchList",
) -> ImportReport:
    """`import_file` for a file held in memory (a GraphQL argument): written to a private
    temporary file for the readers, removed after. The list is checked first."""
    async with instance.db.session() as session:
        await service.editable_list(session, principal, list_id, field)
    path = await asyncio.to_thread(_spill, instance, content, kind)
    try:
        return await import_file(
            instance, principal, list_id, path, kind, dry_run=dry_run, field=field
        )
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


def _spill(instance: Instance, content: bytes, kind: str) -> Path:
    import os
    import tempfile

    from core.exchange.importer import exchange_dir

    fd, name = tempfile.mkstemp(dir=exchange_dir(instance), prefix="tmp-watch-", suffix=f".{kind}")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    return Path(name)


def describe(error: RowError, name: str) -> str:
    """`file.csv row 5, identifiers[0].value: ...` for the command line."""
    return f"{name} row {error.row}, {error.field}: {error.message}"
