"""Batch files of payloads, for administrations that upload to the CEN web application by hand.

The same payloads as the automatic export, flattened into tables: one row per record in the
table named after its type (`Seizure`), one row per child in `Seizure.goods` and so on (with the
record's id and the child's index), photos in `Seizure.photos`. XLSX puts each table on a sheet;
CSV writes a ZIP archive with one `<table>.csv` per table. Nothing is added that the payload does
not hold, so the batch file carries no nominal value either (the canary test reads its bytes).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

FORMATS = ("xlsx", "csv")
_RECORD_COLUMNS = ("recordId", "version", "kind", "senderCountry")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def tables(payloads: Iterable[Mapping[str, Any]]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Table name -> (header, rows), from payloads (withdrawals have a row and no data)."""
    headers: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}

    def add(table: str, row: dict[str, Any]) -> None:
        header = headers.setdefault(table, [])
        for key in row:
            if key not in header:
                header.append(key)
        rows.setdefault(table, []).append(row)

    for payload in payloads:
        record = payload["record"]
        entity_type = record["type"]
        top: dict[str, Any] = {
            "recordId": record["id"],
            "version": record.get("version"),
            "kind": payload["kind"],
            "senderCountry": payload["sender"]["country"],
        }
        for key, value in (payload.get("data") or {}).items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    child = {"recordId": record["id"], "index": index}
                    child.update(item if isinstance(item, dict) else {"value": item})
                    add(f"{entity_type}.{key}", child)
            elif isinstance(value, dict):
                for name, item in value.items():
                    top[f"{key}.{name}"] = item
            else:
                top[key] = value
        add(entity_type, top)
    return {
        name: (header, [[_cell(row.get(column)) for column in header] for row in rows[name]])
        for name, header in headers.items()
    }


def write_xlsx(payloads: Iterable[Mapping[str, Any]], out: io.BufferedIOBase | Any) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, (header, rows) in tables(payloads).items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_text_cell(sheet, v, WriteOnlyCell) for v in row])
    book.save(out)


def _text_cell(sheet: Any, value: Any, cell_class: Any) -> Any:
    """openpyxl takes a string starting with `=` for a formula: such text gets a cell typed as
    a string, so that it is shown, never run."""
    if isinstance(value, str) and value.startswith("="):
        cell = cell_class(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_csv_zip(payloads: Iterable[Mapping[str, Any]], out: io.BufferedIOBase | Any) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in tables(payloads).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            for row in rows:
                writer.writerow([_inert(v) for v in row])
            archive.writestr(f"{name}.csv", text.getvalue())


def _inert(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, quoted with an apostrophe."""
    if not isinstance(value, str) or value[:1] not in ("=", "+", "-", "@"):
        return value
    try:
        float(value)
        return value  # a negative number
    except ValueError:
        return f"'{value}"


def write_batch(payloads: Iterable[Mapping[str, Any]], out: Any, fmt: str) -> None:
    if fmt == "xlsx":
        write_xlsx(payloads, out)
    elif fmt == "csv":
        write_csv_zip(payloads, out)
    else:
        raise ValueError(f"batch format {fmt!r} is not one of {FORMATS}")
