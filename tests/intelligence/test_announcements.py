"""Alerts are announced on the `intelligence.alert_raised` outbox topic (for messaging to
notify the owner) once per alert, in its transaction, and only once the owner may see the
record; the announcement names ids, never values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.codelists.sync import sync_code_lists
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.outbox import OutboxEvent, OutboxHandler
from core.testing import login_as
from plugins.intelligence.screening import ALERT_TOPIC
from tests.intelligence.helpers import MODULES, add_entry, screened, watch_list
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import UPDATE as UPDATE_SEIZURE
from tests.seizures.helpers import VALIDATE as VALIDATE_SEIZURE
from tests.seizures.helpers import simplified_input


class Messenger:
    """Stands in for icomm: keeps what it is told."""

    info = ModuleInfo(name="messenger", version="1.0.0", label="messenger (test)")

    def __init__(self) -> None:
        self.told: list[dict[str, Any]] = []

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        async def handle(events: Sequence[OutboxEvent]) -> None:
            self.told += [e.payload for e in events]

        return [OutboxHandler(topics=(ALERT_TOPIC,), handle=handle, name="messenger")]


async def test_an_alert_is_announced_once_when_its_owner_may_see_the_record(
    make_app: Any,
) -> None:
    messenger = Messenger()
    app = await make_app(modules=[*MODULES, "messenger"], extra_modules=[messenger])
    await sync_code_lists(app.instance)
    analyst = await login_as(app, "analyst1", "analyst")  # sees no draft of others
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": "AB1"}]
    )
    data = simplified_input(conveyance={"transportMode": "3", "identifier": "AB1"})
    seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=officer))["data"][
        "createSeizure"
    ]
    await screened(app)
    assert messenger.told == []  # a draft the owner may not see: not yet

    version = seizure["version"]
    changed = data | {"narrative": "second look"}
    updated = await app.gql(
        UPDATE_SEIZURE, {"id": seizure["id"], "version": version, "input": changed}, token=officer
    )
    version = updated["data"]["updateSeizure"]["version"]
    await app.gql(SUBMIT_SEIZURE, {"id": seizure["id"], "v": version}, token=officer)
    await screened(app)
    [told] = messenger.told
    assert told["entity_type"] == "Seizure" and told["module"] == "seizures"
    assert set(told) == {
        "alert_id",
        "owner_id",
        "list_id",
        "module",
        "entity_type",
        "entity_id",
        "score",
    }
    validator = await login_as(app, "validator1", "validator")
    validated = await app.gql(
        VALIDATE_SEIZURE, {"id": seizure["id"], "v": version + 1}, token=validator
    )
    assert validated["data"]["validateSeizure"]["status"] == "VALIDATED"
    await screened(app)
    assert len(messenger.told) == 1  # once per alert, though validation screened it again
