"""The notice a watch list's owner receives when one of its alerts is announced.

Posted through `core.notifications` in the alert's transaction: icomm, when enabled, puts it in
the owner's mailbox; without icomm it is a no-op and nothing waits for it, so this module never
depends on messaging. The notice names the list, the kind of record, the score and the alert's
id, never a watched or matched value (those stay behind the alert's explanation, whose reading
is audited); the record itself is a reference, shown only to readers who may see it. Alerts raised at once on the records
already there when entries are added make one notice per list, not one each.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from core.auth.models import User
from core.notifications import post_notification
from plugins.intelligence.models import Alert, WatchList

SENDER = "intelligence"


async def _owner_and_list(
    session: AsyncSession, owner_id: int, list_id: int
) -> tuple[str, str] | None:
    """The owner's username and the list's name (None if either is gone)."""
    row = (
        await session.execute(
            select(User.username, WatchList.name)
            .join(WatchList, WatchList.owner_id == User.id)
            .where(User.id == owner_id, WatchList.id == list_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def notify_owner(session: AsyncSession, alert: Alert, owner_id: int, noun: str) -> bool:
    """Queue the owner's notice of `alert`; False when nobody delivers notices (or the owner
    is gone)."""
    row = await _owner_and_list(session, owner_id, alert.list_id)
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


async def notify_owner_of_existing(
    session: AsyncSession, owner_id: int, list_id: int, count: int
) -> bool:
    """One notice for the alerts raised at once on records already there when entries were
    added to a list (the screening of existing records), however many."""
    row = await _owner_and_list(session, owner_id, list_id)
    if row is None or count <= 0:
        return False
    username, list_name = row
    records = "1 record" if count == 1 else f"{count} records"
    return post_notification(
        session,
        recipients=[username],
        subject=f"Watch list alerts: {list_name}"[:300],
        body=(
            f"{records} already recorded matched the new entries of your watch list "
            f"“{list_name}”. See the alerts of {relay.to_base64('WatchList', list_id)}."
        ),
        sender=SENDER,
    )
