"""An announced alert reaches its list's owner as an icomm notice (through
`core.notifications`), once, naming no watched value; without icomm the module works the same
and leaves nothing waiting for a messenger."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, select

from core.outbox import OutboxRow
from core.testing import login_as
from plugins.intelligence.screening import ALERT_TOPIC
from tests.icomm.helpers import INBOX, THREAD
from tests.intelligence.helpers import (
    MODULES,
    add_entry,
    alerts,
    intelligence_app,
    screened,
    watch_list,
)
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import VALIDATE as VALIDATE_SEIZURE
from tests.seizures.helpers import simplified_input

PLATE = "NOTE-77"


async def _seizure_submitted(app: Any, officer: str) -> dict[str, Any]:
    data = simplified_input(conveyance={"transportMode": "3", "identifier": PLATE})
    seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=officer))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT_SEIZURE, {"id": seizure["id"], "v": seizure["version"]}, token=officer)
    return seizure


async def _watching(app: Any, analyst: str) -> str:
    list_id = await watch_list(app, analyst, "Plates of interest")
    await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": PLATE}]
    )
    return list_id


async def test_the_owner_gets_one_notice_per_alert_with_icomm(make_app: Any) -> None:
    app = await intelligence_app(make_app, [*MODULES, "icomm"])
    analyst = await login_as(app, "analyst1", "analyst")
    colleague = await login_as(app, "analyst2", "analyst")
    officer = await login_as(app, "officer1", "officer")
    await _watching(app, analyst)
    seizure = await _seizure_submitted(app, officer)
    await screened(app)

    inbox = (await app.gql(INBOX, {"filter": {"kind": "notice"}}, token=analyst))["data"]["inbox"]
    assert inbox["totalCount"] == 1
    node = inbox["edges"][0]["node"]
    assert node["subject"] == "Watch list alert: Plates of interest"
    assert node["lastMessage"]["author"] == "intelligence"
    [alert] = await alerts(app, analyst)
    body = node["lastMessage"]["body"]
    assert "seizure" in body and alert["id"] in body and f"{alert['score']:.2f}" in body
    assert PLATE not in body and PLATE.lower() not in body  # no watched value in a mailbox
    thread = (await app.gql(THREAD, {"id": node["id"]}, token=analyst))["data"]["thread"]
    assert thread["messages"][0]["references"] == [{"id": seizure["id"]}]
    assert (await app.gql(INBOX, token=colleague))["data"]["inbox"]["totalCount"] == 0
    assert (await app.gql(INBOX, token=officer))["data"]["inbox"]["totalCount"] == 0

    # Validation screens the record again: the alert is refreshed, not announced again.
    validator = await login_as(app, "validator1", "validator")
    await app.gql(
        VALIDATE_SEIZURE, {"id": seizure["id"], "v": seizure["version"] + 1}, token=validator
    )
    await screened(app)
    [again] = await alerts(app, analyst)
    assert again["id"] == alert["id"] and again["hits"] > alert["hits"]
    inbox = (await app.gql(INBOX, {"filter": {"kind": "notice"}}, token=analyst))["data"]["inbox"]
    assert inbox["totalCount"] == 1


async def test_without_icomm_alerts_work_and_nothing_waits_for_a_messenger(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    assert "inbox" not in app.instance.schema.as_str()
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    await _watching(app, analyst)
    await _seizure_submitted(app, officer)
    await screened(app)

    [alert] = await alerts(app, analyst)
    assert alert["explanation"][0]["queryValue"] == PLATE
    async with app.instance.db.session() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.topic.in_(["core.notification", ALERT_TOPIC]))
        )
    assert waiting == 0


async def test_entries_matching_records_already_there_make_one_notice_per_list(
    make_app: Any,
) -> None:
    app = await intelligence_app(make_app, [*MODULES, "icomm"])
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    plates = ["OLD-1", "OLD-2", "OLD-3"]
    for plate in plates:
        data = simplified_input(conveyance={"transportMode": "3", "identifier": plate})
        seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=officer))["data"][
            "createSeizure"
        ]
        await app.gql(SUBMIT_SEIZURE, {"id": seizure["id"], "v": seizure["version"]}, token=officer)
    await screened(app)
    list_id = await watch_list(app, analyst, "Imported plates")
    content = "kind,identifiers\n" + "".join(f"conveyance,plate:{p}\n" for p in plates)
    imported = await app.gql(
        """mutation($l: ID!, $c: String!) {
             importWatchListEntries(watchList: $l, format: CSV, content: $c) { added } }""",
        {"l": list_id, "c": base64.b64encode(content.encode()).decode()},
        token=analyst,
    )
    assert imported["data"]["importWatchListEntries"]["added"] == 3
    await screened(app)

    assert len(await alerts(app, analyst)) == 3
    inbox = (await app.gql(INBOX, {"filter": {"kind": "notice"}}, token=analyst))["data"]["inbox"]
    [node] = [e["node"] for e in inbox["edges"]]
    assert node["subject"] == "Watch list alerts: Imported plates"
    assert node["lastMessage"]["body"].startswith("3 records already recorded matched")
    assert list_id in node["lastMessage"]["body"]
    assert not any(p in node["lastMessage"]["body"] for p in plates)
