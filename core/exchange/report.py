"""The per-row report of an import (row, column, field, code, message), as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.exchange.writers import open_writer

HEADER = ("row", "column", "field", "code", "message")


def report_rows(errors: Iterable[object]) -> Iterable[list[object]]:
    for e in errors:
        yield [getattr(e, name) for name in HEADER]


def write_report(errors: Iterable[object], path: Path) -> None:
    kind = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    writer, handle = open_writer(kind, path, HEADER)
    try:
        for row in report_rows(errors):
            writer.write(row)
        writer.close()
    finally:
        if handle is not None:
            handle.close()
