"""Threads and messages between users, and towards connected instances.

Every change happens in one write transaction: the thread, the message, each recipient's
participant row and, for a peer, the outgoing envelope with its outbox row, so a message is
either fully sent (and will be delivered, however often the peer is down) or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import UserPrincipal
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError, PermissionDeniedError
from core.instance import Instance
from core.outbox import enqueue
from plugins.icomm import addresses as addr
from plugins.icomm.envelopes import MESSAGE_KIND, RECEIPT_KIND
from plugins.icomm.models import (
    IN,
    MESSAGE,
    OUT,
    QUEUED,
    READ,
    RECEIVED,
    SEND,
    Envelope,
    Message,
    Participant,
    Peer,
    Thread,
)
from plugins.icomm.peers import valid_agreement

ENVELOPE_TOPIC = "icomm.envelope"
ATTACHMENT_ENTITY = "IcommMessage"
MAX_ATTACHMENTS = 10
MAX_REFERENCES = 20
# A reference received from a connected instance: the id of the share it sent the record as.
SHARE_REFERENCE = "share:"
EXTERNAL_SEND = "icomm.external.send"
MAX_SUBJECT = 300


@dataclass(frozen=True)
class Author:
    """Who writes: a local user (id and name), or the system / a peer (no id)."""

    user_id: int | None
    name: str

    @classmethod
    def of(cls, principal: UserPrincipal) -> Author:
        return cls(principal.user_id, principal.username)


def body_limit(instance: Instance) -> int:
    return int(instance.settings("icomm").max_body_chars)


def check_text(instance: Instance, subject: str | None, body: str) -> None:
    if subject is not None and not (0 < len(subject.strip()) <= MAX_SUBJECT):
        raise InputError(f"a subject of 1 to {MAX_SUBJECT} characters", field="subject")
    if not body.strip():
        raise InputError("write something", field="body")
    if len(body) > body_limit(instance):
        raise InputError(
            f"at most {body_limit(instance)} characters", field="body", code="TOO_LONG"
        )


async def _peer_of(session: AsyncSession, addresses: Sequence[addr.Address]) -> Peer | None:
    names = {a.peer for a in addresses if a.peer}
    if not names:
        return None
    if len(names) > 1:
        raise InputError("a message goes to one connected instance at most", field="recipients")
    [name] = names
    peer = (await session.scalars(select(Peer).where(Peer.name == name))).first()
    if peer is None:
        raise InputError(f"no connected instance {name!r}", field="recipients", code="UNKNOWN_PEER")
    return peer


async def _queue_envelope(
    session: AsyncSession,
    peer: Peer,
    kind: str,
    *,
    message_id: int | None = None,
    body: dict[str, Any] | None = None,
) -> Envelope:
    """An outgoing envelope and its outbox row, in the caller's transaction; refused without
    an agreement valid today for sending to the peer."""
    agreement = await valid_agreement(session, peer.id, SEND)
    if agreement is None:
        raise InputError(
            f"no agreement with {peer.name!r} valid today allows sending to it",
            field="recipients",
            code="NO_AGREEMENT",
        )
    return await queue_envelope(
        session, peer, kind, agreement.reference, message_id=message_id, body=body
    )


async def queue_envelope(
    session: AsyncSession,
    peer: Peer,
    kind: str,
    agreement_reference: str,
    *,
    envelope_id: str | None = None,
    message_id: int | None = None,
    body: dict[str, Any] | None = None,
) -> Envelope:
    """An outgoing envelope under an agreement the caller checked, and its outbox row, in the
    caller's transaction (messages, receipts, shared records)."""
    now = utcnow()
    envelope = Envelope(
        envelope_id=envelope_id or str(uuid.uuid4()),
        direction=OUT,
        kind=kind,
        peer_id=peer.id,
        message_id=message_id,
        body=body or {},
        status=QUEUED,
        agreement_reference=agreement_reference,
        created_at=now,
        updated_at=now,
    )
    session.add(envelope)
    await session.flush()
    enqueue(session, ENVELOPE_TOPIC, {"envelope": envelope.id})
    return envelope


async def add_message(
    session: AsyncSession,
    thread: Thread,
    author: Author,
    body: str,
    *,
    recipients: Sequence[str] = (),
    references: Sequence[str] = (),
    users: dict[int, str] | None = None,
    peer_id: int | None = None,
    uid: str | None = None,
) -> Message:
    """Append a message to `thread`: every participant but the author (and the new `users`)
    gets it unread, and the thread comes back from the archive."""
    now = utcnow()
    message = Message(
        uid=uid or str(uuid.uuid4()),
        thread_id=thread.id,
        author_id=author.user_id,
        author_name=author.name,
        body=body,
        recipients=list(recipients),
        references=list(references),
        attachments=[],
        peer_id=peer_id,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    thread.last_message_id = message.id
    thread.updated_at = now
    existing = set(
        (
            await session.scalars(
                select(Participant.user_id).where(Participant.thread_id == thread.id)
            )
        ).all()
    )
    for user_id in set(users or {}) - existing:
        session.add(
            Participant(
                thread_id=thread.id,
                user_id=user_id,
                unread=0 if user_id == author.user_id else 1,
                archived=False,
                updated_at=now,
            )
        )
    others = existing - {author.user_id}
    if others:
        await session.execute(
            update(Participant)
            .where(Participant.thread_id == thread.id, Participant.user_id.in_(others))
            .values(unread=Participant.unread + 1, archived=False, updated_at=now)
        )
    if author.user_id is not None and author.user_id in existing:
        await session.execute(
            update(Participant)
            .where(Participant.thread_id == thread.id, Participant.user_id == author.user_id)
            .values(updated_at=now)
        )
    return message


async def start_thread(
    session: AsyncSession,
    author: Author,
    subject: str,
    *,
    kind: str = MESSAGE,
    peer: Peer | None = None,
    peer_addresses: Sequence[str] = (),
    uid: str | None = None,
) -> Thread:
    now = utcnow()
    thread = Thread(
        uid=uid or str(uuid.uuid4()),
        kind=kind,
        subject=subject.strip(),
        peer_id=peer.id if peer else None,
        peer_addresses=list(peer_addresses),
        created_by=author.name,
        created_at=now,
        updated_at=now,
    )
    session.add(thread)
    await session.flush()
    return thread


async def attach(
    instance: Instance,
    session: AsyncSession,
    principal: UserPrincipal,
    message: Message,
    attachment_ids: Sequence[str],
) -> None:
    """Give the caller's uploads (core attachment store) to the message, in its transaction:
    from then on only the thread's participants fetch them."""
    if len(attachment_ids) > MAX_ATTACHMENTS:
        raise InputError(f"at most {MAX_ATTACHMENTS} attachments", field="attachmentIds")
    if len(set(attachment_ids)) != len(attachment_ids):
        raise InputError("an attachment is listed twice", field="attachmentIds")
    for index, attachment_id in enumerate(attachment_ids):
        await instance.attachments.attach(
            session,
            attachment_id,
            ATTACHMENT_ENTITY,
            message.id,
            principal,
            field=f"attachmentIds[{index}]",
        )


async def _share_references(
    instance: Instance,
    session: AsyncSession,
    principal: UserPrincipal,
    peer: Peer,
    references: Sequence[str],
) -> list[str]:
    """The records a message to a connected instance refers to travel as non-nominal shares
    under the agreement with it (the rules of `shareRecord`), queued before the message; the
    message carries their share ids. Returns them."""
    from strawberry import relay

    from plugins.icomm.shares import SHARE, share_in

    if not references:
        return []
    if not principal.can(SHARE):
        raise PermissionDeniedError(
            "referring to records in a message to a connected instance shares them: "
            f"{SHARE} is required",
            field="references",
            permission=SHARE,
        )
    uids = []
    for index, reference in enumerate(references):
        field = f"references[{index}]"
        try:
            gid = relay.GlobalID.from_id(reference)
        except relay.GlobalIDValueError:
            raise InputError("not a record id", field=field) from None
        share, _ = await share_in(instance, session, principal, peer, gid, False, field=field)
        uids.append(share.uid)
    return uids


async def send_message(
    instance: Instance,
    principal: UserPrincipal,
    recipients: list[str],
    subject: str,
    body: str,
    references: Sequence[str] = (),
    attachment_ids: Sequence[str] = (),
) -> Thread:
    """A new thread from the caller to users, roles and at most one connected instance."""
    check_text(instance, subject, body)
    parsed = addr.parse_all(recipients)
    author = Author.of(principal)
    async with instance.db.transaction() as session:
        peer = await _peer_of(session, parsed)
        remote = [a for a in parsed if a.peer]
        if peer is not None and not principal.can(EXTERNAL_SEND):
            raise PermissionDeniedError(
                "you may not write to connected instances", permission=EXTERNAL_SEND
            )
        users = await addr.local_users(session, [a for a in parsed if not a.peer])
        users[principal.user_id] = principal.username
        thread = await start_thread(
            session,
            author,
            subject,
            peer=peer,
            peer_addresses=[a.local for a in remote],
        )
        message = await add_message(
            session,
            thread,
            author,
            body,
            recipients=[str(a) for a in parsed],
            references=references,
            users=users,
        )
        await attach(instance, session, principal, message, attachment_ids)
        if peer is not None:
            shared = await _share_references(instance, session, principal, peer, references)
            await _queue_envelope(
                session,
                peer,
                MESSAGE_KIND,
                message_id=message.id,
                body={"shares": shared} if shared else None,
            )
    return thread


async def participant(session: AsyncSession, thread_id: int, user_id: int) -> Participant:
    row = await session.get(Participant, (thread_id, user_id))
    if row is None:
        raise NotFoundError("no such thread in your mailbox", field="id")
    return row


async def reply(
    instance: Instance,
    principal: UserPrincipal,
    thread_id: int,
    body: str,
    attachment_ids: Sequence[str] = (),
) -> Message:
    """A message in an existing thread, from one of its participants; it reaches the thread's
    peer too when the thread is held with one."""
    check_text(instance, None, body)
    author = Author.of(principal)
    async with instance.db.transaction() as session:
        await participant(session, thread_id, principal.user_id)
        thread = await session.get(Thread, thread_id)
        assert thread is not None
        peer = await session.get(Peer, thread.peer_id) if thread.peer_id else None
        if peer is not None and not principal.can(EXTERNAL_SEND):
            raise PermissionDeniedError(
                "you may not write to connected instances", permission=EXTERNAL_SEND
            )
        recipients = [f"{a}@{peer.name}" for a in thread.peer_addresses] if peer else []
        message = await add_message(session, thread, author, body, recipients=recipients)
        await attach(instance, session, principal, message, attachment_ids)
        if peer is not None:
            await _queue_envelope(session, peer, MESSAGE_KIND, message_id=message.id)
    return message


async def mark_read(instance: Instance, principal: UserPrincipal, thread_id: int) -> None:
    """The caller has read the thread; messages that came from a peer get a read receipt."""
    async with instance.db.transaction() as session:
        row = await participant(session, thread_id, principal.user_id)
        row.unread = 0
        thread = await session.get(Thread, thread_id)
        if thread is None or thread.peer_id is None:
            return
        unreceipted = (
            await session.execute(
                select(Envelope.id, Message.uid)
                .join(Message, Message.id == Envelope.message_id)
                .where(
                    Message.thread_id == thread_id,
                    Envelope.direction == IN,
                    Envelope.status == RECEIVED,
                )
            )
        ).all()
        if not unreceipted:
            return
        await session.execute(
            update(Envelope)
            .where(Envelope.id.in_([i for i, _ in unreceipted]))
            .values(status=READ, updated_at=utcnow())
        )
        peer = await session.get(Peer, thread.peer_id)
        if peer is not None and await valid_agreement(session, peer.id, SEND) is not None:
            body = {"status": READ, "messages": sorted(uid for _, uid in unreceipted)}
            await _queue_envelope(session, peer, RECEIPT_KIND, body=body)


async def archive(
    instance: Instance, principal: UserPrincipal, thread_id: int, archived: bool
) -> None:
    async with instance.db.transaction() as session:
        row = await participant(session, thread_id, principal.user_id)
        row.archived = archived


async def readable_messages(
    session: AsyncSession, principal: object, message_ids: Sequence[str]
) -> set[str]:
    """Of these message ids, those in a thread the principal takes part in (attachments)."""
    user_id = getattr(principal, "user_id", None)
    numbers = [int(i) for i in message_ids if str(i).isdigit()]
    if user_id is None or not numbers:
        return set()
    rows = await session.scalars(
        select(Message.id)
        .join(Participant, Participant.thread_id == Message.thread_id)
        .where(Message.id.in_(numbers), Participant.user_id == user_id)
    )
    return {str(i) for i in rows.all()}


async def unread_count(instance: Instance, user_id: int) -> int:
    async with instance.db.session() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(Participant)
                .where(
                    Participant.user_id == user_id,
                    Participant.unread > 0,
                    Participant.archived.is_(False),
                )
            )
        ) or 0
