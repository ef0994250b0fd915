"""Updating and deleting watch lists: the owner alone does it, every change is audited, the
validity period bounds screening at once, and a deleted list takes its entries and alerts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.testing import login_as
from tests.intelligence.helpers import (
    WATCH_LISTS,
    add_entry,
    alerts,
    intelligence_app,
    screened,
    watch_list,
)
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input

UPDATE = """mutation($id: ID!, $input: WatchListUpdateInput!) {
  updateWatchList(id: $id, input: $input) {
    id name description sharing sharedRole validFrom validUntil } }"""
DELETE = "mutation($id: ID!) { deleteWatchList(id: $id) }"


async def _audited(app: Any, action: str) -> list[dict[str, Any]]:
    async with app.instance.db.session() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [r.detail for r in rows]


async def _seizure(app: Any, token: str, plate: str) -> None:
    data = simplified_input(conveyance={"transportMode": "3", "identifier": plate})
    await app.gql(CREATE_SEIZURE, {"input": data}, token=token)


async def test_the_owner_updates_a_list_and_every_change_is_audited(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    owner = await login_as(app, "analyst1", "analyst")
    colleague = await login_as(app, "analyst2", "analyst")
    list_id = await watch_list(app, owner, "Mine", validUntil="2099-12-31")

    body = await app.gql(
        UPDATE,
        {
            "id": list_id,
            "input": {"name": " Shared  now ", "sharing": "INSTANCE", "validUntil": None},
        },
        token=owner,
    )
    updated = body["data"]["updateWatchList"]
    assert updated["name"] == "Shared now" and updated["sharing"] == "INSTANCE"
    assert updated["validUntil"] is None
    assert updated["description"] == ""  # left out: unchanged
    seen = (await app.gql(WATCH_LISTS, token=colleague))["data"]["watchLists"]
    assert [w["name"] for w in seen] == ["Shared now"]
    [detail] = await _audited(app, "intelligence.watch_list.update")
    assert detail["fields"] == ["name", "sharing", "validUntil"]
    assert detail["was"] == {"sharing": "private", "shared_role": None}

    # A list shared with the instance: the colleague may add entries, not re-share it.
    refused = await app.gql(
        UPDATE,
        {"id": list_id, "input": {"sharing": "PRIVATE"}},
        token=colleague,
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await app.gql(DELETE, {"id": list_id}, token=colleague, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    cases = [
        ({"sharing": "ROLE"}, "input.sharedRole"),
        ({"sharing": "ROLE", "sharedRole": "no-such-role"}, "input.sharedRole"),
        ({"name": None}, "input.name"),
        ({"name": "  "}, "input.name"),
        ({"validFrom": "2030-01-01", "validUntil": "2029-01-01"}, "input.validUntil"),
    ]
    for given, field in cases:
        body = await app.gql(
            UPDATE, {"id": list_id, "input": given}, token=owner, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["field"] == field, (given, body["errors"])
    by_role = await app.gql(
        UPDATE,
        {"id": list_id, "input": {"sharing": "ROLE", "sharedRole": "validator"}},
        token=owner,
    )
    assert by_role["data"]["updateWatchList"]["sharedRole"] == "validator"
    assert (await app.gql(WATCH_LISTS, token=colleague))["data"]["watchLists"] == []


async def test_a_validity_change_bounds_screening_at_once(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst", "validator")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": "VC1"}]
    )
    await _seizure(app, officer, "VC1")
    await screened(app)
    assert len(await alerts(app, analyst)) == 1
    await app.gql(UPDATE, {"id": list_id, "input": {"validUntil": "2020-01-01"}}, token=analyst)
    await _seizure(app, officer, "VC1")
    await screened(app)
    assert len(await alerts(app, analyst)) == 1  # the expired list raised nothing new


async def test_a_deleted_list_takes_its_entries_and_alerts(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst", "validator")
    officer = await login_as(app, "officer1", "officer")
    kept = await watch_list(app, analyst, "Kept")
    gone = await watch_list(app, analyst, "Gone")
    for list_id in (kept, gone):
        await add_entry(
            app,
            analyst,
            list_id,
            kind="CONVEYANCE",
            identifiers=[{"family": "PLATE", "value": "DL1"}],
        )
    await _seizure(app, officer, "DL1")
    await screened(app)
    [judged, _] = await alerts(app, analyst)
    await app.gql(
        "mutation($id: ID!) { judgeAlert(id: $id, verdict: MATCH) { id } }",
        {"id": judged["id"]},
        token=analyst,
    )
    assert (await app.gql(DELETE, {"id": gone}, token=analyst))["data"]["deleteWatchList"]
    left = await alerts(app, analyst)
    assert [a["watchList"]["name"] for a in left] == ["Kept"]
    names = [w["name"] for w in (await app.gql(WATCH_LISTS, token=analyst))["data"]["watchLists"]]
    assert names == ["Kept"]
    [detail] = await _audited(app, "intelligence.watch_list.delete")
    assert detail == {"entries": 1, "alerts": 1}
    again = await app.gql(DELETE, {"id": gone}, token=analyst, expect_errors=True)
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Its entry is no longer screened.
    await _seizure(app, officer, "DL1")
    await screened(app)
    assert [a["watchList"]["name"] for a in await alerts(app, analyst)] == ["Kept", "Kept"]
