"""While serving: check the newest part of the audit chain and sign a checkpoint, periodically.

Every `[ncen.audit] checkpoint_minutes` the monitor (1) holds the log against the newest
signed checkpoint and the point it verified last (a truncated tail or a recomputed chain
shows there), (2) walks the events added since, and (3) signs a checkpoint of the head if it
moved. The outcome is what `/readyz` reports as `audit`. The whole chain is walked by
`ncen audit verify`, not here: that costs time in proportion to the log, and this runs in
every server process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from core.audit.checkpoints import CheckpointStore, check_log
from core.audit.verify import walk
from core.audit.writer import GENESIS_HASH

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.audit")

STATE_KEY = "core.audit.chain"  # in instance.state: "unchecked", "ok" or "broken: <reason>"
UNCHECKED = "unchecked"


class ChainMonitor:
    def __init__(self, instance: Instance, store: CheckpointStore) -> None:
        self.instance = instance
        self.store = store
        self.verified: tuple[int, str] | None = None  # (seq, hash) walked up to
        self._task: asyncio.Task[None] | None = None

    @property
    def status(self) -> str:
        return str(self.instance.state.get(STATE_KEY, UNCHECKED))

    async def check_once(self) -> str:
        """One pass; returns and records the status ("ok" or "broken: ...")."""
        status = await self._check()
        if status != "ok" and status != self.status:
            log.error("audit chain: %s", status)
        self.instance.state[STATE_KEY] = status
        return status

    async def _check(self) -> str:
        db = self.instance.db
        latest = await self.store.latest()
        findings, _ = await check_log(db, [latest] if latest else [], [self.store.public_key])
        if findings:
            return f"broken: {findings[0].reason}"
        start = self.verified or ((latest.seq, latest.head_hash) if latest else (0, GENESIS_HASH))
        report = await walk(db, *start)
        if not report.ok:
            return f"broken: {report.reason}"
        self.verified = (start[0] + report.checked, report.head_hash)
        await self.store.make()
        return "ok"

    def start(self, interval_minutes: float) -> None:
        if self._task is None and interval_minutes > 0:
            self._task = asyncio.create_task(self._run(interval_minutes * 60), name="ncen-audit")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, seconds: float) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:  # a database moment must not end the monitor
                log.exception("audit chain check failed")
            await asyncio.sleep(seconds)
