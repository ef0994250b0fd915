"""Keyset paging is one core helper: every list pages the same way, and a cursor that this field
did not return is a field error on `after`, never a 500 or a wrong page."""

from __future__ import annotations

import datetime as dt

import pytest

from core.codelists.sync import sync_code_lists
from core.gql.connection import cursor_key, encode_cursor
from core.gql.errors import InputError
from core.plugins import call_event
from core.testing import login_as


def test_a_cursor_key_is_typed_and_checked() -> None:
    assert cursor_key(None, int) is None
    assert cursor_key(encode_cursor(["2026-01-02", 7]), dt.date.fromisoformat, int) == (
        dt.date(2026, 1, 2),
        7,
    )
    for bad in ("nope!", encode_cursor([1]), encode_cursor(["x", 1]), encode_cursor({"a": 1})):
        with pytest.raises(InputError) as caught:
            cursor_key(bad, dt.date.fromisoformat, int)
        assert caught.value.extensions == {"code": "INVALID_INPUT", "field": "after"}


LISTS = {
    "seizures": ("seizures", "{ seizures(first: 2, after: $a) { totalCount edges { cursor } } }"),
    "companies": (
        "companies",
        "{ companies(first: 2, after: $a) { totalCount edges { cursor } } }",
    ),
    "suspects": ("persons", "{ persons(first: 2, after: $a) { totalCount edges { cursor } } }"),
}


@pytest.mark.parametrize("module", sorted(LISTS))
async def test_lists_page_through_all_rows_and_refuse_foreign_cursors(make_app, module) -> None:
    app = await make_app(modules=[module])
    await sync_code_lists(app.instance)
    await call_event(app.instance.pm, "load_demo_data", instance=app.instance, size=7)
    field, body = LISTS[module]
    query = "query($a: String) " + body
    token = await login_as(app, "analyst1", "analyst", "validator", "officer")
    seen: list[str] = []
    after = None
    while True:
        answer = await app.gql(query, {"a": after}, token=token)
        page = answer["data"][field]
        seen += [edge["cursor"] for edge in page["edges"]]
        if len(page["edges"]) < 2:
            break
        after = page["edges"][-1]["cursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 2
    for foreign in ("garbage", encode_cursor(["x"]), encode_cursor(["x", "y"]), encode_cursor([])):
        refused = await app.gql(query, {"a": foreign}, token=token, expect_errors=True)
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "INVALID_INPUT", error
        assert error["extensions"]["field"] == "after", error
