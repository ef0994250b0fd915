"""Subscribers of record events, as modules: each implements `on_record_changed`, notes every
delivery in memory and applies its effect once per event id (`first_delivery` in the same
transaction as the effect).

`crash_after_effect` kills the process once the effect is committed, before the relay can mark
the row done; `failing` makes every delivery raise. In a package of their own: a module's
migrations are found next to its code, and these have none.
"""

from __future__ import annotations

import os
import signal

from core.events import RecordEvent
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.outbox import first_delivery
from tests.fixture_modules.tally.module import TallyEffect


class Subscriber:
    """A module reacting to record events; its hook may be a coroutine function."""

    def __init__(
        self, name: str, *, failing: bool = False, crash_after_effect: bool = False
    ) -> None:
        self.info = ModuleInfo(
            name=name, version="1.0.0", label=f"{name} (test)", requires=("tally",)
        )
        self.failing = failing
        self.crash_after_effect = crash_after_effect
        self.received: list[RecordEvent] = []

    @hookimpl
    async def on_record_changed(self, instance: Instance, event: RecordEvent) -> None:
        self.received.append(event)
        if self.failing:
            raise RuntimeError(f"{self.info.name} is down")
        async with instance.db.transaction() as session:
            if await first_delivery(session, self.info.name, event.event_id):
                session.add(
                    TallyEffect(
                        subscriber=self.info.name,
                        event_id=event.event_id,
                        entity_id=event.entity_id,
                        action=event.action,
                    )
                )
        if self.crash_after_effect:
            os.kill(os.getpid(), signal.SIGKILL)
