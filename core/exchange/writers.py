"""Streamed writers of exported rows: CSV, JSON Lines and XLSX (openpyxl write-only).

Each writer takes rows one at a time and never holds more than its output buffer, so an
export of any size runs in constant memory. Values are written in the forms an import reads
back: ISO dates, decimals as text, several values of one cell joined by `;`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

FORMATS = ("csv", "jsonl", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class RowWriter(Protocol):
    def write(self, values: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


PLAIN = frozenset({str, int, float, bool, type(None)})  # written as they are


def cell(value: Any, separator: str = ";") -> Any:
    """A value in the form an import reads back."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value) or None
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return value


class CsvWriter:
    def __init__(self, out: IO[str], header: Sequence[str]) -> None:
        self._csv = csv.writer(out, lineterminator="\n")
        self._csv.writerow(header)

    def write(self, values: Sequence[Any]) -> None:
        self._csv.writerow(["" if v is None else v for v in values])

    def close(self) -> None:
        pass


class JsonLinesWriter:
    def __init__(self, out: IO[str], header: Sequence[str]) -> None:
        self._out = out
        self._header = list(header)

    def write(self, values: Sequence[Any]) -> None:
        row = {k: v for k, v in zip(self._header, values, strict=True) if v is not None}
        self._out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")

    def close(self) -> None:
        pass


class XlsxWriter:
    """openpyxl's write-only workbook streams rows to a temporary file, then zips it on save."""

    def __init__(self, path: Path | IO[bytes], header: Sequence[str]) -> None:
        from openpyxl import Workbook

        self._target = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("export")
        self._sheet.append(list(header))

    def write(self, values: Sequence[Any]) -> None:
        self._sheet.append(list(values))

    def close(self) -> None:
        self._book.save(self._target)


def open_writer(kind: str, target: Path, header: Sequence[str]) -> tuple[RowWriter, Any]:
    """A writer on `target` and the handle to close after it (None for XLSX)."""
    if kind == "xlsx":
        return XlsxWriter(target, header), None
    handle = target.open("w", encoding="utf-8", newline="")
    writer = CsvWriter(handle, header) if kind == "csv" else JsonLinesWriter(handle, header)
    return writer, handle


def text_writer(kind: str, header: Sequence[str]) -> tuple[RowWriter, io.StringIO]:
    """A CSV or JSON Lines writer on a buffer the caller drains (HTTP streaming)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, header) if kind == "csv" else JsonLinesWriter(buffer, header)
    return writer, buffer
