"""Notifications: a module tells users something ("your seizure was returned") without knowing
who delivers it, and without requiring the messaging module.

`post_notification` writes one outbox row of topic `core.notification` in the caller's
transaction, so the notice is sent if and only if the change commits. Whoever handles the topic
delivers it — icomm puts a notice in each recipient's mailbox. With no handler (icomm is not
enabled) nothing is written: a no-op, not a backlog for a module that may never come.

    from core.notifications import post_notification

    post_notification(session, recipients=["alice", "role:validator"],
                      subject="Seizure NL-2026-000123 returned", body="Weight is missing.",
                      references=[global_id])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.outbox import enqueue

TOPIC = "core.notification"


@dataclass(frozen=True)
class Notification:
    """What the delivering module receives. `recipients` are usernames or `role:<name>`;
    `references` are global ids of records, shown only to readers allowed to see them."""

    recipients: tuple[str, ...]
    subject: str
    body: str
    references: tuple[str, ...] = ()
    sender: str = "ncen"
    detail: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return {
            "recipients": list(self.recipients),
            "subject": self.subject,
            "body": self.body,
            "references": list(self.references),
            "sender": self.sender,
            "detail": self.detail,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notification:
        return cls(
            recipients=tuple(payload.get("recipients", ())),
            subject=str(payload.get("subject", "")),
            body=str(payload.get("body", "")),
            references=tuple(payload.get("references", ())),
            sender=str(payload.get("sender", "ncen")),
            detail=dict(payload.get("detail", {})),
        )


def post_notification(
    session: AsyncSession,
    *,
    recipients: Sequence[str],
    subject: str,
    body: str,
    references: Sequence[str] = (),
    sender: str = "ncen",
) -> bool:
    """Queue a notification in the caller's transaction; False when nobody delivers them."""
    notification = Notification(tuple(recipients), subject, body, tuple(references), sender)
    return bool(enqueue(session, TOPIC, notification.to_payload(), if_unhandled="drop"))
