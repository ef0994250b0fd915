"""The canary test: whatever the records hold, no nominal value and no unchecked free text leaves.

Hypothesis generates records of every record type of every built-in module (with their child
lists) and extension values of a test country plugin. Every nominal field and every free text
gets a unique canary; everything else gets values that cannot contain one. Each record is
projected, and the payload is written as it leaves (canonical JSON), as it is previewed
(indented JSON) and into XLSX and zipped CSV batch files; no canary may appear in any byte of
them, inside the archives included, nor in the signed envelope a non-nominal share of the
record sends a connected instance. Validators' checked versions and photo checks are drawn too:
a checked version travels, the canary it replaces never does. Every payload must also pass the
receiving side's check (the published schema), whatever the record held.

`test_canaries_end_to_end` does the same through the API and the command line, on both engines;
`test_canary_peer_share.py` shares such records with a connected instance over the transport.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, Time
from sqlalchemy import inspect as sa_inspect

from core.config import BUILTIN_MODULES
from core.db import is_free_text, is_nominal
from core.instance import Instance
from core.records.registry import record_registry
from core.sharing.batch import write_csv_zip, write_xlsx
from core.sharing.payload import canonical_json, envelope
from core.sharing.peers import share_content
from core.sharing.projection import CheckedText, Photo, digest, project, projections
from core.sharing.receive import check_incoming
from core.testing import make_config
from plugins.icomm.envelopes import RECORD_KIND, Envelope, sign, timestamp
from plugins.icomm.shares import envelope_body
from tests.sharing.canary_plugin import CanaryCountryModule

_counter = itertools.count(1)
_KEY = Ed25519PrivateKey.generate()
SAFE = st.text(alphabet="abcdefghijklmnop ", min_size=0, max_size=12)  # never a canary


@cache
def instance() -> Instance:
    path = Path("/nonexistent-canary-instance")  # never opened: projections need no database
    config = make_config(
        f"sqlite+aiosqlite:///{path}/ncen.db", path, [*BUILTIN_MODULES, "canaryland"]
    )
    return Instance(config, extra_modules=[CanaryCountryModule()])


class Canaries:
    """Unique canary values of every type, and their text forms to look for in bytes."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def string(self) -> str:
        value = f"CANARY{next(_counter):07d}X"
        self.texts.append(value)
        return value

    def integer(self) -> int:
        value = 900_000_000 + next(_counter)
        self.texts.append(str(value))
        return value

    def date(self) -> dt.date:
        n = next(_counter)
        value = dt.date(1700 + n % 150, 1 + n % 12, 1 + n % 28)
        self.texts.append(value.isoformat())
        return value

    def of(self, column: Any) -> Any:
        sql_type = column.type
        if isinstance(sql_type, Integer):
            return self.integer()
        if isinstance(sql_type, Date):
            return self.date()
        return self.string()


def safe_value(draw: Any, column: Any) -> Any:
    sql_type = column.type
    if isinstance(sql_type, Boolean):
        return draw(st.booleans())
    if isinstance(sql_type, Integer):
        return draw(st.integers(0, 99_999))
    if isinstance(sql_type, Numeric):
        return Decimal(draw(st.integers(0, 10**6))) / 1000
    if isinstance(sql_type, DateTime):
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            minutes=draw(st.integers(0, 10**5))
        )
    if isinstance(sql_type, Date):
        return dt.date(2000, 1, 1) + dt.timedelta(days=draw(st.integers(0, 10_000)))
    if isinstance(sql_type, Time):
        return dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    if isinstance(sql_type, String | Text):
        text = draw(SAFE) or None
        length = getattr(sql_type, "length", None)
        return text[:length] if text and length else text
    return None


def fill(
    draw: Any, model: type, canaries: Canaries, checks: dict[str, CheckedText], path: str
) -> Any:
    """A row of `model` with every column set: canaries for nominal columns and free text."""
    row = model()
    for attr in sa_inspect(model).column_attrs:
        column = attr.columns[0]
        if column.primary_key or column.foreign_keys:
            continue
        if attr.key == "extra":
            continue
        if is_nominal(column) or is_free_text(column):
            value = canaries.of(column)
            if is_free_text(column) and draw(st.booleans()):
                # A validator checked it: the checked version travels, bound to this text.
                bound = digest(value) if draw(st.integers(0, 3)) else digest("an older text")
                checks[f"{path}{_camel(attr.key)}"] = CheckedText(draw(SAFE) or "ok", bound)
        else:
            value = safe_value(draw, column)
        setattr(row, attr.key, value)
    return row


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@st.composite
def records(draw: Any) -> tuple[Any, Any, dict[str, CheckedText], list[Photo], Canaries]:
    canaries = Canaries()
    rts = list(record_registry(instance()))
    rt = draw(st.sampled_from(rts))
    checks: dict[str, CheckedText] = {}
    record = fill(draw, rt.model, canaries, checks, "")
    record.id = draw(st.integers(1, 10**6))
    if rt.id_types:  # one table, several entity types (conveyances): a kind it knows
        record.kind = draw(st.sampled_from(rt.id_types)).lower()
    mapper = sa_inspect(rt.model)
    for attribute in rt.collections:
        child = mapper.relationships[attribute].mapper.class_
        count = draw(st.integers(0, 3))
        items = [
            fill(draw, child, canaries, checks, f"{_camel(attribute)}.{i}.") for i in range(count)
        ]
        setattr(record, attribute, items)
    if rt.has_extra:
        record.extra = {
            "informantCode": canaries.string(),
            "remarks": canaries.string(),
            "customsRegion": draw(SAFE),
        }
        if draw(st.booleans()):
            checks["extensions.remarks"] = CheckedText("checked", digest(record.extra["remarks"]))
    photos = [
        Photo(
            id=f"{i:032x}",
            sha256=f"{i:064x}",
            size=100,
            media_type="image/png",
            width=4,
            height=3,
            cleared_sha256=f"{i:064x}" if draw(st.booleans()) else None,
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    return rt, record, checks, photos, canaries


def produced_bytes(payloads: list[dict[str, Any]]) -> list[bytes]:
    """Every byte the export produces for these payloads, archives opened."""
    out = [canonical_json(p) for p in payloads]
    out += [json.dumps(p, indent=2, ensure_ascii=False).encode() for p in payloads]
    for writer in (write_xlsx, write_csv_zip):
        buffer = io.BytesIO()
        writer(payloads, buffer)
        out.append(buffer.getvalue())
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
            out += [archive.read(name) for name in archive.namelist()]
    return out


def share_wire(payload: dict[str, Any]) -> bytes:
    """The bytes a non-nominal share of the record sends a connected instance: the share's
    content in a `record` envelope, signed, as icomm's delivery posts it."""
    content = share_content(payload)
    body = envelope_body("00000000-0000-4000-8000-000000000001", content, None)
    wire = sign(
        Envelope(
            id="00000000-0000-4000-8000-000000000001",
            kind=RECORD_KIND,
            sender="a" * 16,
            recipient="b" * 16,
            sent_at=timestamp(),
            agreement="MOU-1",
            body=body,
        ),
        _KEY,
    )
    return json.dumps({"envelopes": [wire]}, ensure_ascii=False).encode()


def assert_no_canary(produced: list[bytes], canaries: list[str]) -> None:
    for blob in produced:
        for canary in canaries:
            assert canary.encode() not in blob, f"canary {canary} leaked"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records())
def test_no_canary_leaves_in_any_byte(drawn):
    rt, record, checks, photos, canaries = drawn
    projection = projections(instance())[rt.name]
    data = project(projection, record, checks=checks, photos=photos)
    payload = envelope(instance(), rt.entity_type_of(record), record.id, 1, "submission", data)
    assert canaries.texts, "every record type has nominal fields to fill"
    assert_no_canary([*produced_bytes([payload]), share_wire(payload)], canaries.texts)
    # Whatever the projection produces follows the published schema: a receiver accepts it.
    check_incoming(instance(), payload)
    # Checked versions bound to the current text did travel (the projection is not empty).
    for path, check in checks.items():
        if path.count(".") == 0 and check.source_sha256 == digest(getattr(record, _attr(path))):
            assert data[path] == check.text


def _attr(path: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in path)


def test_every_module_has_a_record_type_in_the_canary_test():
    modules = {rt.module for rt in record_registry(instance())}
    assert modules == {"seizures", "suspects", "companies"}
    # and the test plugin's nominal extension field is among what is withheld
    assert "extensions.informantCode" in projections(instance())["Seizure"].withheld


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.data())
def test_the_receiver_refuses_any_nominal_field_slipped_in(drawn, data):
    """Defence in depth: whatever the sender did, a payload with a path the receiver's tags call
    nominal is refused, naming the path."""
    from core.sharing.receive import PayloadRefused

    rt, record, checks, photos, _ = drawn
    projection = projections(instance())[rt.name]
    payload = envelope(
        instance(),
        rt.entity_type_of(record),
        record.id,
        1,
        "submission",
        project(projection, record, checks=checks, photos=photos),
    )
    path = data.draw(st.sampled_from(sorted(projection.withheld)))
    head, _, leaf = path.rpartition(".")
    target = payload["data"]
    if head:
        items = target.setdefault(head, [] if head != "extensions" else {})
        if isinstance(items, list):
            if not items:
                items.append({})
            target = items[data.draw(st.integers(0, len(items) - 1))]
        else:
            target = items
    target[leaf] = data.draw(st.one_of(st.text(max_size=5), st.integers(), st.none()))
    try:
        check_incoming(instance(), payload)
    except PayloadRefused as refused:
        assert refused.code == "NOMINAL_FIELD" and f"data.{path}" in refused.fields
    else:
        raise AssertionError(f"a payload with {path} was accepted")
