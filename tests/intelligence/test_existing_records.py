"""An entry added to a watch list screens the records already there, in the background (an
outbox job per hundred entries), by stored keys for identifiers and names and by the search
index for terms; a redelivered job adds nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from strawberry import relay

from core.auth.models import User
from core.outbox import OutboxRow
from core.testing import login_as
from plugins.intelligence import retro, service
from plugins.intelligence.access import principal_of_user
from plugins.intelligence.entries import EntryData
from plugins.intelligence.models import Alert
from tests.intelligence.helpers import add_entry, alerts, intelligence_app, screened, watch_list
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input


async def _seizure(app: Any, token: str, plate: str, **extra: Any) -> dict[str, Any]:
    data = simplified_input(conveyance={"transportMode": "3", "identifier": plate}) | extra
    seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=token))["data"]["createSeizure"]
    await app.gql(SUBMIT_SEIZURE, {"id": seizure["id"], "v": seizure["version"]}, token=token)
    return seizure


async def test_a_new_entry_finds_the_records_already_there(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    by_plate = await _seizure(app, officer, "OLD-PLATE-1")
    by_term = await _seizure(
        app, officer, "XX-1", narrative="Cocaine hidden behind the refrigeration unit."
    )
    await _seizure(app, officer, "OTHER-2", narrative="Nothing of interest.")
    await screened(app)

    list_id = await watch_list(app, analyst)
    await add_entry(
        app,
        analyst,
        list_id,
        kind="CONVEYANCE",
        identifiers=[{"family": "PLATE", "value": "old plate 1"}],
    )
    await add_entry(app, analyst, list_id, kind="TERM", terms=["Refrigeration unit"])
    await screened(app)

    found = {a["recordId"]: a for a in await alerts(app, analyst)}
    assert set(found) == {by_plate["id"], by_term["id"]}
    plate = found[by_plate["id"]]
    assert plate["action"] == "entry_added"
    assert plate["explanation"][0]["feature"] == "identifier:plate"
    assert plate["explanation"][0]["candidateValue"] == "OLD-PLATE-1"
    assert found[by_term["id"]]["explanation"][0]["feature"] == "term"

    # The job delivered again (at least once) raises and refreshes nothing.
    async with app.instance.db.session() as session:
        entry_ids = list(await session.scalars(select(Alert.entry_id)))
    assert await retro.screen_existing(app.instance, entry_ids) == 0
    again = {a["recordId"]: a["hits"] for a in await alerts(app, analyst)}
    assert again == {by_plate["id"]: 1, by_term["id"]: 1}


async def test_a_big_list_is_screened_in_bounded_jobs(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    await _seizure(app, officer, "BIG-0042")
    await screened(app)
    list_id = await watch_list(app, analyst)
    number = int(relay.from_base64(list_id)[1])
    given = [
        (EntryData(kind="conveyance", identifiers=[("plate", f"BIG-{n:04d}")]), None, None, None)
        for n in range(250)
    ]
    async with app.instance.db.session() as session:
        uid = await session.scalar(select(User.id).where(User.username == "analyst1"))
        principal = await principal_of_user(session, uid)
    assert principal is not None
    await service.add_entries(app.instance, principal, number, given)
    async with app.instance.db.session() as session:
        jobs = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.topic == retro.ENTRIES_ADDED)
        )
    assert jobs == 3  # 100 entries a job
    await screened(app)
    [alert] = await alerts(app, analyst)
    assert alert["explanation"][0]["queryValue"] == "BIG-0042"


async def test_a_rebuilt_watch_index_reuses_the_profiles_of_unchanged_entries(
    make_app: Any,
) -> None:
    from plugins.intelligence.screening import watch_index
    from tests.intelligence.helpers import REMOVE_ENTRY

    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    list_id = await watch_list(app, analyst)
    first = await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": "R1"}]
    )
    before = await watch_index(app.instance)
    await add_entry(app, analyst, list_id, kind="TERM", terms=["reefer"])
    after = await watch_index(app.instance)
    assert after.revision > before.revision and len(after.index) == 2
    number = int(relay.from_base64(first["id"])[1])
    assert after.profiles[number] is before.profiles[number]  # reused, not made again
    await app.gql(REMOVE_ENTRY, {"id": first["id"]}, token=analyst)
    assert number not in (await watch_index(app.instance)).profiles
