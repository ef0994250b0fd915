"""Check the audit chain end to end, and against its signed checkpoints; name the first fault."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.audit.checkpoints import Checkpoint, check_log
from core.audit.models import AuditEvent
from core.audit.writer import GENESIS_HASH, event_hash
from core.db import Database

BATCH = 1000


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0  # signed checkpoints the log was checked against


async def verify_chain(
    db: Database, checkpoints: Sequence[Checkpoint] = (), trusted: Iterable[str] = ()
) -> ChainReport:
    """Walk the whole log, then hold it against `checkpoints` (signed by a `trusted` key, or
    by the key a kept copy carries): truncated tails and recomputed chains show there."""
    report = await walk(db)
    if not report.ok:
        return report
    findings, counted = await check_log(db, checkpoints, trusted)
    if findings:
        first = min(findings, key=lambda f: f.seq)
        return ChainReport(
            False, report.checked, first.seq, first.reason, report.head_hash, counted
        )
    return ChainReport(True, report.checked, head_hash=report.head_hash, checkpoints=counted)


async def walk(db: Database, after: int = 0, after_hash: str = GENESIS_HASH) -> ChainReport:
    """Walk the log in `seq` order from event `after` (whose hash is `after_hash`):
    contiguous numbering, links, and each row's own hash. `checked` counts events walked."""
    expected_seq, prev_hash, checked = after + 1, after_hash, 0
    async with db.session() as session:
        if after:
            found = await session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == after))
            if found != after_hash:
                reason = (
                    f"event #{after} is missing" if found is None else f"event #{after} changed"
                )
                return ChainReport(False, 0, after, reason, after_hash)
        while True:
            rows = (
                await session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.seq >= expected_seq)
                    .order_by(AuditEvent.seq)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return ChainReport(True, checked, head_hash=prev_hash)
            for row in rows:
                if row.seq != expected_seq:
                    return ChainReport(
                        False, checked, expected_seq, f"event #{expected_seq} is missing"
                    )
                if row.prev_hash != prev_hash:
                    return ChainReport(
                        False,
                        checked,
                        row.seq,
                        f"event #{row.seq} does not link to the previous event's hash",
                    )
                if event_hash(row) != row.hash:
                    return ChainReport(
                        False,
                        checked,
                        row.seq,
                        f"event #{row.seq} was altered: its content does not match its hash",
                    )
                prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
            session.expunge_all()
