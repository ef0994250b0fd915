"""The notice a watch list's owner receives when one of its alerts is announced.

Posted through `core.notifications` in the alert's transaction: icomm, when enabled, puts it in
the owner's mailbox; without icomm it is a no-op and nothing waits for it, so this module never
depends on messaging. The notice names the list, the kind of record, the score and the alert's
id, never a watched or matched value (those stay behind the alert's explanation, whose reading
is audited); the record itself is a reference, shown only to readers who may see it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from core.auth.models import User
from core.notifications import post_notification
from plugins.intelligence.models import Alert, WatchList

SENDER = "intelligence"


async def notify_owner(session: AsyncSession, alert: Alert, owner_id: int, noun: str) -> bool:
    """Queue the owner's notice of `alert`; False when nobody delivers notices (or the owner
    is gone)."""
    row = (
        await session.execute(
            select(User.username, WatchList.name)
            .join(WatchList, WatchList.owner_id == User.id)
            .where(User.id == owner_id, WatchList.id == alert.list_id)
        )
    ).first()
    if row is None:
        return False
    username, list_name = row
    alert_gid = relay.to_base64("Alert", alert.id)
    return post_notification(
        session,
        recipients=[username],
        subject=f"Watch list alert: {list_name}"[:300],
        body=(
            f"A {noun} matched an entry of your watch list “{list_name}” "
            f"(score {alert.score:.2f}). Open alert {alert_gid} to see why and judge it."
        ),
        references=[relay.to_base64(alert.entity_type, alert.entity_id)],
        sender=SENDER,
    )
