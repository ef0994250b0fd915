"""Screening end to end: a record written through GraphQL is screened after commit against the
watch lists, a hit becomes an alert with its explanation, a `no match` judgement silences the
pair, and nobody gets an alert about a record they may not see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.testing import login_as
from plugins.intelligence.models import Alert
from tests.intelligence.helpers import (
    JUDGE,
    REMOVE_ENTRY,
    WATCH_LISTS,
    add_entry,
    alerts,
    intelligence_app,
    screened,
    watch_list,
)
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import UPDATE as UPDATE_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import CREATE as CREATE_PERSON
from tests.suspects.helpers import person_input


def _road_seizure(plate: str) -> dict[str, Any]:
    return simplified_input(conveyance={"transportMode": "3", "identifier": plate})


async def _alert_rows(app: Any) -> int:
    async with app.instance.db.session() as session:
        return int(await session.scalar(select(func.count(Alert.id))) or 0)


async def test_a_seizure_with_a_watched_plate_raises_an_explained_alert(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst", "validator")  # sees drafts
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst, "Plates of interest")
    entry = await add_entry(
        app,
        analyst,
        list_id,
        kind="CONVEYANCE",
        identifiers=[{"family": "PLATE", "value": "AB-123-CD"}],
    )
    assert entry["label"] == "plate AB-123-CD"

    created = await app.gql(CREATE_SEIZURE, {"input": _road_seizure("ab 123 cd")}, token=officer)
    seizure = created["data"]["createSeizure"]
    other = _road_seizure("ZZ-999-ZZ")
    await app.gql(CREATE_SEIZURE, {"input": other}, token=officer)
    await screened(app)

    [alert] = await alerts(app, analyst)
    assert alert["status"] == "OPEN"
    assert alert["entityType"] == "Seizure" and alert["recordId"] == seizure["id"]
    assert alert["record"] == {"id": seizure["id"], "entityType": "Seizure"}
    assert alert["score"] == 1.0 and alert["action"] == "created"
    [feature] = alert["explanation"]
    assert feature["feature"] == "identifier:plate"
    assert (feature["queryValue"], feature["candidateValue"]) == ("AB-123-CD", "ab 123 cd")
    assert feature["candidateField"] == "conveyance.identifier"
    assert alert["matchedFields"] == ["conveyance.identifier"]
    assert alert["entry"]["id"] == entry["id"]

    # A "no match" judgement: the next change of the same seizure raises nothing new.
    judged = await app.gql(
        JUDGE, {"id": alert["id"], "verdict": "NO_MATCH", "comment": "rental car"}, token=analyst
    )
    assert judged["data"]["judgeAlert"]["status"] == "NO_MATCH"
    changed = _road_seizure("AB123CD") | {"area": "tobacco"}
    await app.gql(
        UPDATE_SEIZURE,
        {"id": seizure["id"], "version": seizure["version"], "input": changed},
        token=officer,
    )
    await screened(app)
    [after] = await alerts(app, analyst)
    assert after["status"] == "NO_MATCH" and after["hits"] == 1
    assert [j["verdict"] for j in after["judgements"]] == ["NO_MATCH"]
    assert await alerts(app, analyst, status=["OPEN"]) == []


async def test_an_alert_about_a_draft_shows_once_its_owner_may_see_the_record(
    make_app: Any,
) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")  # sees seizures, not others' drafts
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    await add_entry(app, analyst, list_id, kind="TERM", terms=["Ocean Pioneer"])
    data = simplified_input(conveyance={"transportMode": "1", "identifier": "OCEAN PIONEER"})
    seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=officer))["data"][
        "createSeizure"
    ]
    await screened(app)
    assert await alerts(app, analyst) == []
    assert await _alert_rows(app) == 1
    submitted = await app.gql(
        SUBMIT_SEIZURE, {"id": seizure["id"], "v": seizure["version"]}, token=officer
    )
    assert submitted["data"]["submitSeizure"]["status"] == "SUBMITTED"
    await screened(app)
    [alert] = await alerts(app, analyst)
    assert alert["action"] == "submitted" and alert["hits"] == 2
    assert alert["explanation"][0]["feature"] == "term"
    assert alert["explanation"][0]["queryValue"] == "ocean pioneer"


async def test_a_removed_entry_is_no_longer_screened(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    entry = await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": "XY1"}]
    )
    removed = await app.gql(REMOVE_ENTRY, {"id": entry["id"]}, token=analyst)
    assert removed["data"]["removeWatchListEntry"]["removedAt"]
    lists = (await app.gql(WATCH_LISTS, token=analyst))["data"]["watchLists"]
    assert lists[0]["entryCount"] == 0 and lists[0]["entries"] == []
    await app.gql(CREATE_SEIZURE, {"input": _road_seizure("XY1")}, token=officer)
    await screened(app)
    assert await alerts(app, analyst) == []


async def test_no_alert_reveals_a_person_to_an_analyst_without_suspects_view(
    make_app: Any,
) -> None:
    app = await intelligence_app(make_app)
    blind = await login_as(app, "analyst1", "analyst")  # no suspects.view
    seeing = await login_as(app, "analyst2", "analyst", "validator")  # suspects.view
    officer = await login_as(app, "officer1", "officer")
    watched = {
        "kind": "PERSON",
        "names": ["Mohammed Al-Hassan"],
        "birthDate": "1984",
        "nationalities": ["JO"],
    }
    await add_entry(app, blind, await watch_list(app, blind, "Blind"), **watched)
    await add_entry(app, seeing, await watch_list(app, seeing, "Seeing"), **watched)
    # An instance-wide list of the blind analyst: the seeing one sees the list, and still no
    # alert about the person comes from it, since its owner may not see persons.
    shared = await watch_list(app, blind, "Shared", sharing="INSTANCE")
    await add_entry(app, blind, shared, **watched)

    created = await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    person_id = created["data"]["createPerson"]["id"]
    await screened(app)

    assert await alerts(app, blind) == []
    [alert] = await alerts(app, seeing)
    assert alert["recordId"] == person_id and alert["watchList"]["name"] == "Seeing"
    features = {f["feature"]: f for f in alert["explanation"]}
    assert features["name"]["candidateValue"] == "Muhammad Alhasan"
    assert features["birth_date"]["contribution"] > 0
    assert features["nationality"]["contribution"] > 0
    assert await _alert_rows(app) == 1  # nothing stored for the blind analyst's lists


async def test_erasing_a_record_removes_its_alerts(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    validator = await login_as(app, "validator1", "validator", "analyst")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, validator)
    await add_entry(
        app,
        validator,
        list_id,
        kind="PERSON",
        identifiers=[{"family": "DOCUMENT", "value": "K1234567"}],
    )
    created = await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    person = created["data"]["createPerson"]
    await screened(app)
    [alert] = await alerts(app, validator)
    assert alert["explanation"][0]["feature"] == "identifier:document"
    await app.gql(
        "mutation($id: ID!, $v: Int!) { deletePerson(id: $id, version: $v) { id } }",
        {"id": person["id"], "v": person["version"]},
        token=officer,
    )
    await screened(app)
    assert await _alert_rows(app) == 0
