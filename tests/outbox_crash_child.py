"""Child process of tests/test_outbox_crash.py: commit, then die by SIGKILL at a chosen moment.

    python -m tests.outbox_crash_child DATABASE_URL DATA_DIR after-commit|after-effect

`after-commit`: a business row and its outbox row are committed, then the process is killed
before any relay runs (none is started). `after-effect`: the relay claims the row and the
consumer applies its effect, then kills the process before the row can be marked done.
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
from tests.fixture_modules.ledger.module import LedgerModule, add_entry

LEASE_SECONDS = 0.5


async def main(database_url: str, data_dir: str, scenario: str) -> None:
    module = LedgerModule(crash_after_effect=scenario == "after-effect")
    settings = OutboxSettings(lease_seconds=LEASE_SECONDS, retry_base_delay=0.0)
    config = make_config(database_url, Path(data_dir), ["ledger"], outbox=settings)
    instance = Instance(config, extra_modules=[module])
    module.bind(instance.db)
    await instance.migrator.upgrade()
    await add_entry(instance.db, "crash test")
    if scenario == "after-commit":
        os.kill(os.getpid(), signal.SIGKILL)
    elif scenario == "after-effect":
        await instance.outbox.run_once()  # the consumer kills the process inside
    raise SystemExit(f"still alive after scenario {scenario!r}")


if __name__ == "__main__":
    Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)
    asyncio.run(main(*sys.argv[1:4]))
