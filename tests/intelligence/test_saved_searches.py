"""Saved searches with "alert me on new data": run again as their owner, the records they find
that an earlier run had not are alerts; what they found at first is the baseline."""

from __future__ import annotations

from typing import Any

from core.testing import login_as
from plugins.intelligence.searches import run_all
from tests.intelligence.helpers import intelligence_app
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input

SAVE = """mutation($input: SavedSearchInput!) { saveSearch(input: $input) {
  id name query modules alertOnNewData lastRunAt } }"""
SAVED = """{ savedSearches { id name lastRunAt alerts { entityType recordId module record { id } } } }"""
DELETE = "mutation($id: ID!) { deleteSavedSearch(id: $id) }"


async def _seizure(app: Any, token: str, narrative: str) -> str:
    data = simplified_input(narrative=narrative)
    created = (await app.gql(CREATE_SEIZURE, {"input": data}, token=token))["data"]["createSeizure"]
    await app.gql(SUBMIT_SEIZURE, {"id": created["id"], "v": created["version"]}, token=token)
    return created["id"]


async def test_new_records_matching_a_saved_search_are_alerts(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    analyst = await login_as(app, "analyst1", "analyst")
    await _seizure(app, officer, "Pellets hidden in a spare tyre")  # before: the baseline
    await app.instance.outbox.settle()

    saved = await app.gql(
        SAVE,
        {"input": {"name": "Tyres", "query": "tyre", "modules": ["seizures"]}},
        token=analyst,
    )
    assert saved["data"]["saveSearch"]["lastRunAt"]  # the baseline run
    newer = await _seizure(app, officer, "Cocaine in the tyre of a van")
    await _seizure(app, officer, "Cigarettes behind a false wall")
    await app.instance.outbox.settle()  # indexed

    assert await run_all(app.instance) == 1
    assert await run_all(app.instance) == 0  # once only
    [search] = (await app.gql(SAVED, token=analyst))["data"]["savedSearches"]
    assert [a["recordId"] for a in search["alerts"]] == [newer]
    assert search["alerts"][0]["record"] == {"id": newer}

    # Someone else's saved search is not theirs to see or delete.
    other = await login_as(app, "analyst2", "analyst")
    assert (await app.gql(SAVED, token=other))["data"]["savedSearches"] == []
    refused = await app.gql(DELETE, {"id": search["id"]}, token=other, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await app.gql(DELETE, {"id": search["id"]}, token=analyst))["data"]["deleteSavedSearch"]


async def test_a_bad_query_is_refused_with_its_field(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    body = await app.gql(
        SAVE, {"input": {"name": "Broken", "query": "(tyre"}}, token=analyst, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["field"] == "input.query"
