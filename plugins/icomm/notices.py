"""System notices in users' mailboxes: notifications other modules post through
`core.notifications` (icomm handles their topic), and the notices icomm itself derives from
record events (a record returned to its author, with the validator's comment).

Both run after commit, at least once; `first_delivery` in the notice's own transaction makes
each notice appear once however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from strawberry import relay

from core.audit.models import AuditEvent
from core.auth.models import User
from core.events import RecordEvent
from core.gql.errors import InputError
from core.instance import Instance
from core.notifications import TOPIC, Notification
from core.outbox import OutboxEvent, OutboxHandler, first_delivery
from core.records.registry import record_registry
from plugins.icomm import addresses as addr
from plugins.icomm.messaging import Author, add_message, start_thread
from plugins.icomm.models import NOTICE

CONSUMER = "icomm.notify"
RETURNED = "icomm.returned"


def handlers(instance: Instance) -> list[OutboxHandler]:
    async def handle(events: Sequence[OutboxEvent]) -> None:
        await deliver(instance, events)

    return [OutboxHandler((TOPIC,), handle, name=CONSUMER)]


async def _users(session, recipients: Sequence[str]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Users the recipients reach; an unknown one is skipped (a notice never fails for it)."""
    found: dict[int, str] = {}
    for recipient in recipients:
        try:
            address = addr.parse(recipient)
            if address.peer is None:
                found.update(await addr.local_users(session, [address]))
        except InputError:
            continue
    return found


async def post(session, notification: Notification) -> bool:  # type: ignore[no-untyped-def]
    """A notice thread to the notification's recipients, in the caller's transaction."""
    users = await _users(session, notification.recipients)
    if not users:
        return False
    author = Author(None, notification.sender[:200])
    thread = await start_thread(
        session, author, notification.subject[:300] or "Notice", kind=NOTICE
    )
    await add_message(
        session,
        thread,
        author,
        notification.body or notification.subject,
        recipients=list(notification.recipients),
        references=list(notification.references),
        users=users,
    )
    return True


async def deliver(instance: Instance, events: Sequence[OutboxEvent]) -> None:
    async with instance.db.transaction() as session:
        for event in events:
            if await first_delivery(session, CONSUMER, event.id):
                await post(session, Notification.from_payload(event.payload))


async def on_record_changed(instance: Instance, event: RecordEvent) -> None:
    """A returned record: tell its author, with the comment, and a reference to it."""
    if event.action != "returned":
        return
    rt = record_registry(instance).get(event.entity_type)
    if rt is None or rt.workflow is None:
        return
    async with instance.db.transaction() as session:
        if not await first_delivery(session, RETURNED, event.event_id):
            return
        record = await session.get(rt.model, int(event.entity_id))
        author_id = getattr(record, "created_by", None)
        if record is None or author_id is None:
            return
        username = await session.scalar(select(User.username).where(User.id == author_id))
        if username is None:
            return
        comment = getattr(record, "workflow_comment", None) or await _audited_comment(
            session, event
        )
        label = getattr(record, "reference", None) or f"{event.entity_id}"
        by = event.actor_name or "a validator"
        body = f"Your {rt.noun} {label} was returned by {by}"
        body += f": {comment}" if comment else "."
        await post(
            session,
            Notification(
                recipients=(username,),
                subject=f"{rt.noun.capitalize()} {label} returned",
                body=body,
                references=(relay.to_base64(event.entity_type, event.entity_id),),
            ),
        )


async def _audited_comment(session, event: RecordEvent) -> str | None:  # type: ignore[no-untyped-def]
    """The return comment kept in the audit log's detail (modules that keep it off the record)."""
    row = (
        await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity_type == event.entity_type,
                AuditEvent.entity_id == str(event.entity_id),
                AuditEvent.action == "record.status",
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).first()
    detail = row.detail if row is not None else None
    return detail.get("comment") if isinstance(detail, dict) else None
