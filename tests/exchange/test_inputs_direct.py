"""Rows are built into inputs in one direct walk when they pass, the long way (prepare, the
schema's coercion, instantiation) when not: both must give the same input for a good row."""

from __future__ import annotations

from typing import Any

import pytest

from core.exchange import inputs
from core.exchange.inputs import InputBuilder, RowInvalid
from core.records.registry import record_registry
from tests.seizures.helpers import completion, seizures_app, simplified_input

ROWS: list[dict[str, Any]] = [
    {
        "seizureDate": "05/03/2026",
        "place.country": "nl",
        "area": "drugs",
        "form": "full",
        "riskIndicators": "route_risk; cash_payment",
        "goods[0].commodity": "cocaine",
        "goods[0].quantity": 12.5,
        "goods[0].unit": "KGM",
        "goods[0].pieces": 3.0,
        "goods[1].commodity": "cannabis",
        "goods[1].value": 1000,
        "route[0].role": "origin",
        "route[0].country": "CO",
        "conveyance.containers": "CSQU3054383",
        "offenders[0].count": "2",
        "seizureTime": "14:30:00",
    },
    {"seizureDate": "06/03/2026", "place.country": "BE", "area": "tobacco"},
]


def _slow(builder: InputBuilder, monkeypatch: pytest.MonkeyPatch, row: dict[str, Any]) -> Any:
    def refuse(*_args: Any) -> Any:
        raise inputs._Refused

    with monkeypatch.context() as patched:
        patched.setattr(builder, "_direct", refuse)
        return builder.build(row)


async def test_direct_build_equals_the_long_way(make_app, monkeypatch):
    app = await seizures_app(make_app)
    rt = record_registry(app.instance).by_name["Seizure"]
    builder = InputBuilder(app.instance.schema, rt.input, date_format="%d/%m/%Y")
    for row in ROWS:
        assert builder.build(row) == _slow(builder, monkeypatch, row)
    tree = simplified_input()
    tree.update(completion())
    as_json = InputBuilder(app.instance.schema, rt.input)  # a bulk call's JSON: ISO dates
    assert as_json.from_tree(tree) == _slow_tree(as_json, monkeypatch, tree)
    # Bad values still get the long way's errors.
    with pytest.raises(RowInvalid) as bad:
        builder.build({**ROWS[1], "goods[0].quantity": "lots", "direction": "sideways"})
    assert "goods[0].quantity" in {e.field for e in bad.value.errors}


def _slow_tree(builder: InputBuilder, monkeypatch: pytest.MonkeyPatch, tree: Any) -> Any:
    def refuse(*_args: Any) -> Any:
        raise inputs._Refused

    with monkeypatch.context() as patched:
        patched.setattr(builder, "_direct", refuse)
        return builder.from_tree(tree)
