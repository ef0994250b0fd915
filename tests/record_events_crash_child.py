"""Child process of tests/test_record_events_crash.py: commit records with their events, then
die by SIGKILL at a chosen moment.

    python -m tests.record_events_crash_child DATABASE_URL DATA_DIR after-commit|after-effect

Two subscribers (`first_watch`, `second_watch`) are enabled. `after-commit`: three records and
their events are committed, then the process is killed before any relay runs. `after-effect`:
the relay claims the rows and `first_watch` applies its effect for the first event, then kills
the process before any row can be marked done.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from core.config import OutboxSettings
from core.instance import Instance
from core.testing import make_config
from tests.fixture_modules.tally.module import TallyModule, add_note
from tests.fixture_modules.tally_watch.module import Subscriber

LEASE_SECONDS = 0.5
NOTES = 3


async def main(database_url: str, data_dir: str, scenario: str) -> None:
    first = Subscriber("first_watch", crash_after_effect=scenario == "after-effect")
    modules = [TallyModule(), first, Subscriber("second_watch")]
    settings = OutboxSettings(lease_seconds=LEASE_SECONDS, retry_base_delay=0.0)
    config = make_config(
        database_url, Path(data_dir), [m.info.name for m in modules], outbox=settings
    )
    instance = Instance(config, extra_modules=modules)
    await instance.migrator.upgrade()
    for n in range(NOTES):
        await add_note(instance.db, f"crash test {n}")
    if scenario == "after-commit":
        os.kill(os.getpid(), signal.SIGKILL)
    elif scenario == "after-effect":
        await instance.outbox.run_once()  # the first subscriber kills the process inside
    raise SystemExit(f"still alive after scenario {scenario!r}")


if __name__ == "__main__":
    Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)
    asyncio.run(main(*sys.argv[1:4]))
