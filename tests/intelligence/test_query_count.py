"""A page of alerts with their watch list, entry and record costs the same number of SQL
statements whatever the number of alerts (per-request DataLoaders, no N+1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from core.testing import login_as
from tests.intelligence.helpers import ALERTS, add_entry, intelligence_app, screened, watch_list
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input


async def _statements(app: Any, token: str) -> tuple[int, int]:
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # Reads of the module's and the records' tables (the relay polls the outbox meanwhile).
        nonlocal count
        if "intelligence_" in statement or "seizures_" in statement:
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(ALERTS, {"first": 50}, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count, len(body["data"]["alerts"]["edges"])


async def test_a_page_of_alerts_costs_the_same_whatever_its_size(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst", "validator")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    for n in range(6):
        await add_entry(
            app,
            analyst,
            list_id,
            kind="CONVEYANCE",
            identifiers=[{"family": "PLATE", "value": f"QC{n}"}],
        )

    async def seizures(plates: range) -> None:
        for n in plates:
            data = simplified_input(conveyance={"transportMode": "3", "identifier": f"QC{n}"})
            await app.gql(CREATE_SEIZURE, {"input": data}, token=officer)
        await screened(app)

    await seizures(range(2))
    few, shown_few = await _statements(app, analyst)
    await seizures(range(2, 6))
    many, shown_many = await _statements(app, analyst)
    assert (shown_few, shown_many) == (2, 6)
    assert few == many, (few, many)
