"""Check the audit chain end to end and name the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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


async def verify_chain(db: Database) -> ChainReport:
    """Walk the log in `seq` order: contiguous numbering, links, and each row's own hash."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    async with db.session() as session:
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
