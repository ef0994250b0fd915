"""Auditing link changes, in the transaction that makes them (core/audit's hash-chained log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.links.models import Link

LINK_CREATED = "link.created"
LINK_REMOVED = "link.removed"


def link_detail(link: Link) -> dict[str, Any]:
    return {
        "source": f"{link.src_type}:{link.src_id}",
        "relation": link.relation,
        "target": f"{link.dst_type}:{link.dst_id}",
        # Only whether there is a note: the append-only log must not keep free text that
        # erasure of a record would have to remove.
        "has_note": bool(link.note),
    }


async def audit_link_change(session: AsyncSession, principal: Any, action: str, link: Link) -> None:
    """One event per change, filed under the link's source record."""
    await audit.record(
        session,
        actor=principal,
        action=action,
        entity_type=link.src_type,
        entity_id=link.src_id,
        detail=link_detail(link),
    )
