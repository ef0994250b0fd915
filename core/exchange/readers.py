"""Rows of CSV and XLSX files, read as a stream: memory stays flat however long the file.

XLSX is read with openpyxl in read-only mode (rows parsed as they are reached); CSV with the
standard library, UTF-8 with or without a byte-order mark, `,` or `;` separated.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NcenError

FORMATS = ("csv", "xlsx")


class FileFormatError(NcenError):
    """A file that cannot be read as the table it claims to be."""


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, Any]


def file_format(path: Path, given: str | None = None) -> str:
    kind = (given or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise FileFormatError(f"{path.name}: say --format csv or xlsx (not {kind or 'none'!r})")
    return kind


@contextmanager
def open_table(path: Path, kind: str) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """The header and an iterator of rows; blank rows are skipped."""
    if kind == "csv":
        with _csv(path) as table:
            yield table
    else:
        with _xlsx(path) as table:
            yield table


@contextmanager
def _csv(path: Path) -> Iterator[tuple[list[str], Iterator[Row]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        first = handle.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
        if not any(header):
            raise FileFormatError(f"{path.name}: the first row must name the columns")
        _check_header(path, header)

        def rows() -> Iterator[Row]:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                for index, cells in enumerate(reader, start=2):
                    values = _text_values(header, cells)
                    if values or any(c.strip() for c in cells):
                        yield Row(index, values)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise FileFormatError(f"{path.name}: not readable as CSV: {exc}") from None

        yield header, rows()


@contextmanager
def _xlsx(path: Path) -> Iterator[tuple[list[str], Iterator[Row]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FileFormatError(f"{path.name}: not an XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        first = next(cells, None)
        header = [("" if h is None else str(h)).strip() for h in first or ()]
        if not any(header):
            raise FileFormatError(f"{path.name}: the first row must name the columns")
        _check_header(path, header)

        def rows() -> Iterator[Row]:
            for index, values in enumerate(cells, start=2):
                if any(v not in (None, "") for v in values):
                    yield Row(index, _values(header, values))

        yield header, rows()
    finally:
        book.close()


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise FileFormatError(f"{path.name}: the column {name!r} appears twice")
        seen.add(name)


def _text_values(header: list[str], cells: list[str]) -> dict[str, Any]:
    """`_values` of a CSV row, whose cells are all text (one strip a cell)."""
    values: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        if name:
            cell = cell.strip()
            if cell:
                values[name] = cell
    return values


def _values(header: list[str], cells: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        if not name:
            continue
        if isinstance(cell, str):
            cell = cell.strip()
        if cell in (None, ""):
            continue
        if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
            cell = cell.date()  # spreadsheets keep dates as midnight date-times
        values[name] = cell
    return values
