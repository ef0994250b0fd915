"""GraphQL of icomm: the mailbox (`sendMessage`, `inbox`, `thread`, ...), tasks (`assignTask`,
`myTasks`, `tasks`, ...) and, for administrators, connected instances (`peers`, `addPeer`,
`addAgreement`, ...)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from core.attachments.gql import Photo, load_photos
from core.audit.writer import actor_of
from core.auth.guard import requires
from core.auth.principal import UserPrincipal
from core.gql.connection import Connection, build_connection, cursor_key, page_after
from core.gql.context import Context
from core.gql.errors import InputError, NotFoundError, PermissionDeniedError
from core.gql.pagination import clamp_first
from core.instance_key import public_hex
from core.plugins import resolve
from core.record_ids import record_id
from core.sharing.models import PeerRecord
from plugins.icomm import messaging, peers, tasks
from plugins.icomm.keys import own_key_id, signing_key
from plugins.icomm.models import OUT, Envelope, Message, Participant, Peer, Task, Thread

READ = "icomm.messages.read"
SEND = "icomm.messages.send"
ASSIGN = "icomm.tasks.assign"
WORK = "icomm.tasks.work"
SUPERVISE = tasks.SUPERVISE
PEERS = "icomm.peers.manage"
THREAD_TYPE, TASK_TYPE = "IcommThread", "IcommTask"


def encode(type_name: str, value: int) -> strawberry.ID:
    return strawberry.ID(relay.to_base64(type_name, value))


def decode(type_name: str, value: str, field: str = "id") -> int:
    try:
        kind, raw = relay.from_base64(value)
    except (ValueError, TypeError):
        raise InputError("not an id of this API", field=field) from None
    number = record_id(raw)
    if kind != type_name or number is None:
        raise InputError(f"not an id of a {type_name}", field=field)
    return number


def user(info: Info[Context, None]) -> UserPrincipal:
    principal = info.context.principal
    if not isinstance(principal, UserPrincipal):
        raise PermissionDeniedError("a user account is needed")
    return principal


async def resolve_record(info: Info[Context, None], value: str) -> relay.Node | None:
    """The record a global id names, if the caller may see it (as `node` does)."""
    try:
        global_id = relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError:
        return None
    definition = info.schema.get_type_by_name(global_id.type_name)
    origin = getattr(definition, "origin", None)
    if (
        not isinstance(definition, StrawberryObjectDefinition)
        or definition.is_interface
        or not (isinstance(origin, type) and issubclass(origin, relay.Node))
    ):
        return None
    return await resolve(origin.resolve_node(global_id.node_id, info=info, required=False))


async def _local_ids(info: Info[Context, None], references: Sequence[str]) -> list[str]:
    """Global ids for a message's references: a share id received from a connected instance
    names the received share it arrived as (none yet if it has not arrived, or was refused)."""
    uids = [r.removeprefix(messaging.SHARE_REFERENCE) for r in references]
    if not any(r.startswith(messaging.SHARE_REFERENCE) for r in references):
        return list(references)
    async with info.context.instance.db.session() as session:
        rows = await session.execute(
            select(PeerRecord.share_uid, PeerRecord.id).where(PeerRecord.share_uid.in_(uids))
        )
        received = {uid: number for uid, number in rows.all()}
    found = []
    for reference, uid in zip(references, uids, strict=True):
        if not reference.startswith(messaging.SHARE_REFERENCE):
            found.append(reference)
        elif uid in received:
            found.append(relay.to_base64("ReceivedShare", received[uid]))
    return found


async def check_references(
    info: Info[Context, None], values: Sequence[str], field: str
) -> list[str]:
    """Global ids of records the caller can see; any other is the caller's error."""
    found = list(dict.fromkeys(values))
    if len(found) > messaging.MAX_REFERENCES:
        raise InputError(f"at most {messaging.MAX_REFERENCES} references", field=field)
    for value in found:
        if await resolve_record(info, value) is None:
            raise InputError(f"no record {value!r} visible to you", field=field)
    return found


@strawberry.type(name="IcommMessage", description="One message of a thread.")
class MessageType:
    id: strawberry.ID
    author: str
    body: str
    recipients: list[str]
    created_at: dt.datetime
    delivery: str | None = strawberry.field(
        description="For a message sent to a connected instance: queued, sent, delivered, "
        "read or failed; null otherwise."
    )
    delivery_error: str | None
    reference_ids: strawberry.Private[list[str]]
    row_id: strawberry.Private[int]

    @strawberry.field(description="Photos attached to it (core attachment store).")
    async def attachments(self, info: Info[Context, None]) -> list[Photo]:
        return await load_photos(info, messaging.ATTACHMENT_ENTITY, self.row_id)

    @strawberry.field(
        description="The records it refers to that you may see; in a message from a connected "
        "instance, the received shares (`ReceivedShare`) the records came as."
    )
    async def references(self, info: Info[Context, None]) -> list[relay.Node]:
        found = [await resolve_record(info, r) for r in await _local_ids(info, self.reference_ids)]
        return [node for node in found if node is not None]

    @classmethod
    def build(cls, row: Message, envelope: Envelope | None = None) -> MessageType:
        return cls(
            id=strawberry.ID(row.uid),
            author=row.author_name,
            body=row.body,
            recipients=list(row.recipients),
            created_at=row.created_at,
            delivery=envelope.status if envelope else None,
            delivery_error=envelope.last_error if envelope else None,
            reference_ids=list(row.references),
            row_id=row.id,
        )


async def _messages(session: Any, thread_id: int) -> list[MessageType]:
    rows = (
        await session.scalars(
            select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
        )
    ).all()
    envelopes = {
        e.message_id: e
        for e in (
            await session.scalars(
                select(Envelope).where(
                    Envelope.direction == OUT, Envelope.message_id.in_([m.id for m in rows])
                )
            )
        ).all()
    }
    return [MessageType.build(m, envelopes.get(m.id)) for m in rows]


@strawberry.type(name="IcommThread", description="A conversation in your mailbox.")
class ThreadType:
    id: strawberry.ID
    kind: str = strawberry.field(description="message, task or notice")
    subject: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    unread: bool
    unread_count: int
    archived: bool
    peer: str | None = strawberry.field(description="The connected instance it is held with.")
    last_message: MessageType | None
    row_id: strawberry.Private[int]

    @strawberry.field(description="Every message, oldest first.")
    async def messages(self, info: Info[Context, None]) -> list[MessageType]:
        async with info.context.instance.db.session() as session:
            return await _messages(session, self.row_id)

    @strawberry.field(description="The task this thread belongs to, for a task's thread.")
    async def task(self, info: Info[Context, None]) -> TaskType | None:
        async with info.context.instance.db.session() as session:
            row = (await session.scalars(select(Task).where(Task.thread_id == self.row_id))).first()
            if row is None:
                return None
            return (await build_tasks(session, [row]))[0]


async def build_threads(
    session: Any, pairs: Sequence[tuple[Thread, Participant]]
) -> list[ThreadType]:
    last_ids = [t.last_message_id for t, _ in pairs if t.last_message_id]
    last = {
        m.id: m
        for m in (await session.scalars(select(Message).where(Message.id.in_(last_ids)))).all()
    }
    peer_ids = {t.peer_id for t, _ in pairs if t.peer_id}
    names = dict(
        (await session.execute(select(Peer.id, Peer.name).where(Peer.id.in_(peer_ids)))).all()
    )
    return [
        ThreadType(
            id=encode(THREAD_TYPE, t.id),
            kind=t.kind,
            subject=t.subject,
            created_by=t.created_by,
            created_at=t.created_at,
            updated_at=t.updated_at,
            unread=p.unread > 0,
            unread_count=p.unread,
            archived=p.archived,
            peer=names.get(t.peer_id),
            last_message=MessageType.build(last[t.last_message_id])
            if t.last_message_id in last
            else None,
            row_id=t.id,
        )
        for t, p in pairs
    ]


async def load_thread(info: Info[Context, None], thread_id: int) -> ThreadType:
    principal = user(info)
    async with info.context.instance.db.session() as session:
        row = (
            await session.execute(
                select(Thread, Participant)
                .join(Participant, Participant.thread_id == Thread.id)
                .where(Thread.id == thread_id, Participant.user_id == principal.user_id)
            )
        ).first()
        if row is None:
            raise NotFoundError("no such thread in your mailbox", field="id")
        return (await build_threads(session, [tuple(row)]))[0]


@strawberry.type(name="IcommTaskEvent", description="One step of a task's history.")
class TaskEventType:
    action: str = strawberry.field(description="created, status or comment")
    actor: str
    from_status: str | None
    to_status: str | None
    note: str
    at: dt.datetime


@strawberry.type(
    name="IcommTask", description="A task about a record, assigned to a user or a role."
)
class TaskType:
    id: strawberry.ID
    title: str
    instructions: str
    status: str = strawberry.field(description="open, in_progress, done or cancelled")
    priority: str
    due_date: dt.date | None
    overdue: bool
    assignee: str = strawberry.field(description="A username or role:<name>.")
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    record_id: strawberry.ID | None
    thread_id: strawberry.ID
    history: list[TaskEventType]
    row_thread: strawberry.Private[int]

    @strawberry.field(description="The record the task is about, if you may see it.")
    async def record(self, info: Info[Context, None]) -> relay.Node | None:
        return await resolve_record(info, self.record_id) if self.record_id else None

    @strawberry.field(description="The instructions and the comments, oldest first.")
    async def comments(self, info: Info[Context, None]) -> list[MessageType]:
        async with info.context.instance.db.session() as session:
            return await _messages(session, self.row_thread)


async def build_tasks(session: Any, rows: Sequence[Task]) -> list[TaskType]:
    events = await tasks.history(session, [t.id for t in rows])
    today = dt.datetime.now(dt.UTC).date()
    return [
        TaskType(
            id=encode(TASK_TYPE, t.id),
            title=t.title,
            instructions=t.instructions,
            status=t.status,
            priority=t.priority,
            due_date=t.due_date,
            overdue=tasks.is_overdue(t, today),
            assignee=t.assignee,
            created_by=t.created_by,
            created_at=t.created_at,
            updated_at=t.updated_at,
            version=t.version,
            record_id=strawberry.ID(t.record_id) if t.record_id else None,
            thread_id=encode(THREAD_TYPE, t.thread_id),
            history=[
                TaskEventType(
                    action=e.action,
                    actor=e.actor,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    note=e.note,
                    at=e.at,
                )
                for e in events[t.id]
            ],
            row_thread=t.thread_id,
        )
        for t in rows
    ]


async def load_task(info: Info[Context, None], task_id: int) -> TaskType:
    async with info.context.instance.db.session() as session:
        row = await tasks.get(session, user(info), task_id)
        return (await build_tasks(session, [row]))[0]


@strawberry.type(name="IcommAgreement", description="The legal premise of exchanges with a peer.")
class AgreementType:
    id: int
    legal_basis: str
    reference: str
    valid_from: dt.date
    valid_until: dt.date | None
    direction: str = strawberry.field(description="send, receive or both")
    record_types: list[str]
    nominal: bool
    valid_today: bool
    revoked_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was revoked: nothing is sent or accepted under it since."
    )


@strawberry.type(name="IcommPeer", description="A connected instance.")
class PeerType:
    name: str
    url: str
    country: str | None
    public_key: str
    key_id: str
    created_at: dt.datetime
    agreements: list[AgreementType]

    @classmethod
    def build(cls, view: peers.PeerView) -> PeerType:
        today = dt.datetime.now(dt.UTC).date()
        p = view.peer
        return cls(
            name=p.name,
            url=p.url,
            country=p.country,
            public_key=p.public_key,
            key_id=p.key_id,
            created_at=p.created_at,
            agreements=[
                AgreementType(
                    id=a.id,
                    legal_basis=a.legal_basis,
                    reference=a.reference,
                    valid_from=a.valid_from,
                    valid_until=a.valid_until,
                    direction=a.direction,
                    record_types=list(a.record_types),
                    nominal=a.nominal,
                    valid_today=peers.is_valid(
                        a, a.direction if a.direction != "both" else "send", today
                    ),
                    revoked_at=a.revoked_at,
                )
                for a in view.agreements
            ],
        )


@strawberry.type(name="IcommInstanceKey", description="This instance's public key for its peers.")
class InstanceKeyType:
    public_key: str
    key_id: str


@strawberry.input(description="A new thread.")
class SendMessageInput:
    recipients: list[str] = strawberry.field(
        description="Usernames, role:<name>, or either followed by @<peer> for a connected instance."
    )
    subject: str
    body: str
    references: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Global ids of records the message refers to."
    )
    attachment_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Your uploads (POST /attachments) to attach."
    )


@strawberry.input(description="Which threads of the mailbox.")
class InboxFilter:
    archived: bool = False
    unread_only: bool = False
    kind: str | None = None


@strawberry.input(description="A task to assign.")
class AssignTaskInput:
    title: str
    assignee: str = strawberry.field(description="A username or role:<name>.")
    instructions: str = ""
    record_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the record the task is about."
    )
    due_date: dt.date | None = None
    priority: str = "normal"


@strawberry.input(description="Which tasks.")
class TaskFilterInput:
    status: str | None = None
    assignee: str | None = None
    record_id: strawberry.ID | None = None
    overdue: bool | None = None


@strawberry.input(description="A connected instance to register.")
class AddPeerInput:
    name: str
    url: str
    public_key: str
    country: str | None = None


@strawberry.input(description="An agreement with a peer.")
class AddAgreementInput:
    peer: str
    legal_basis: str
    reference: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    direction: str = "both"
    record_types: list[str] | None = None
    nominal: bool = False


async def task_connection(
    info: Info[Context, None], where: tasks.TaskFilter, first: int | None, after: str | None
) -> Connection[TaskType]:
    size = clamp_first(first, info.context.instance.config.graphql)
    key = cursor_key(after, dt.datetime.fromisoformat, int)
    async with info.context.instance.db.session() as session:
        query = await tasks.query(session, user(info), where)
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = page_after(query, (Task.updated_at, Task.id), key, size)
        rows = (await session.scalars(page)).all()
        nodes = await build_tasks(session, rows)
    keys = [(t.updated_at.isoformat(), t.id) for t in rows]
    return build_connection(nodes, keys, size, total)


@strawberry.type
class IcommQuery:
    @strawberry.field(
        description="Your threads, newest activity first (icomm.messages.read).",
        extensions=[requires(READ)],
    )
    async def inbox(
        self,
        info: Info[Context, None],
        filter: InboxFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[ThreadType]:
        principal = user(info)
        where = filter or InboxFilter()
        size = clamp_first(first, info.context.instance.config.graphql)
        key = cursor_key(after, dt.datetime.fromisoformat, int)
        conditions = [
            Participant.user_id == principal.user_id,
            Participant.archived.is_(where.archived),
        ]
        if where.unread_only:
            conditions.append(Participant.unread > 0)
        if where.kind is not None:
            conditions.append(Thread.kind == where.kind)
        base = (
            select(Thread, Participant)
            .join(Participant, Participant.thread_id == Thread.id)
            .where(*conditions)
        )
        async with info.context.instance.db.session() as session:
            total = (
                await session.scalar(
                    select(func.count())
                    .select_from(Participant)
                    .join(Thread, Thread.id == Participant.thread_id)
                    .where(*conditions)
                )
            ) or 0
            page = page_after(base, (Participant.updated_at, Participant.thread_id), key, size)
            rows = (await session.execute(page)).all()
            pairs = [tuple(r) for r in rows]
            nodes = await build_threads(session, pairs)
        keys = [(p.updated_at.isoformat(), t.id) for t, p in pairs]
        return build_connection(nodes, keys, size, total)

    @strawberry.field(
        description="One thread of your mailbox (icomm.messages.read).",
        extensions=[requires(READ)],
    )
    async def thread(self, info: Info[Context, None], id: strawberry.ID) -> ThreadType:
        return await load_thread(info, decode(THREAD_TYPE, id))

    @strawberry.field(
        description="Threads with unread messages, not archived (icomm.messages.read).",
        extensions=[requires(READ)],
    )
    async def unread_count(self, info: Info[Context, None]) -> int:
        return await messaging.unread_count(info.context.instance, user(info).user_id)

    @strawberry.field(
        description="Tasks assigned to you or to one of your roles (icomm.tasks.work).",
        extensions=[requires(WORK)],
    )
    async def my_tasks(
        self,
        info: Info[Context, None],
        status: str | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[TaskType]:
        return await task_connection(info, tasks.TaskFilter(status=status, mine=True), first, after)

    @strawberry.field(
        description="Tasks of every assignee (icomm.tasks.supervise).",
        extensions=[requires(SUPERVISE)],
    )
    async def tasks(
        self,
        info: Info[Context, None],
        filter: TaskFilterInput | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[TaskType]:
        f = filter or TaskFilterInput()
        where = tasks.TaskFilter(
            status=f.status,
            assignee=f.assignee,
            record_id=str(f.record_id) if f.record_id else None,
            overdue=f.overdue,
        )
        return await task_connection(info, where, first, after)

    @strawberry.field(
        description="A task you assigned, are assigned or supervise (icomm.tasks.work).",
        extensions=[requires(WORK)],
    )
    async def task(self, info: Info[Context, None], id: strawberry.ID) -> TaskType:
        return await load_task(info, decode(TASK_TYPE, id))

    @strawberry.field(
        description="Connected instances and their agreements (icomm.peers.manage).",
        extensions=[requires(PEERS)],
    )
    async def peers(self, info: Info[Context, None]) -> list[PeerType]:
        return [PeerType.build(v) for v in await peers.list_peers(info.context.instance)]

    @strawberry.field(
        description="This instance's public key, to register it on a peer (icomm.peers.manage).",
        extensions=[requires(PEERS)],
    )
    def instance_key(self, info: Info[Context, None]) -> InstanceKeyType:
        key = signing_key(info.context.instance).public_key()
        return InstanceKeyType(public_key=public_hex(key), key_id=own_key_id(info.context.instance))


@strawberry.type
class IcommMutation:
    @strawberry.mutation(
        description="Start a thread with users, roles or a connected instance (icomm.messages.send).",
        extensions=[requires(SEND)],
    )
    async def send_message(self, info: Info[Context, None], input: SendMessageInput) -> ThreadType:
        principal = user(info)
        references = [str(r) for r in input.references or []]
        if not any("@" in r for r in input.recipients):  # across instances: refused below
            references = await check_references(info, references, "references")
        thread = await messaging.send_message(
            info.context.instance,
            principal,
            input.recipients,
            input.subject,
            input.body,
            references,
            [str(a) for a in input.attachment_ids or []],
        )
        return await load_thread(info, thread.id)

    @strawberry.mutation(
        description="Answer in a thread of your mailbox (icomm.messages.send).",
        extensions=[requires(SEND)],
    )
    async def reply_to_thread(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        body: str,
        attachment_ids: list[strawberry.ID] | None = None,
    ) -> ThreadType:
        thread_id = decode(THREAD_TYPE, id)
        attachments = [str(a) for a in attachment_ids or []]
        await messaging.reply(info.context.instance, user(info), thread_id, body, attachments)
        return await load_thread(info, thread_id)

    @strawberry.mutation(
        description="Mark every message of a thread read (icomm.messages.read).",
        extensions=[requires(READ)],
    )
    async def mark_thread_read(self, info: Info[Context, None], id: strawberry.ID) -> ThreadType:
        thread_id = decode(THREAD_TYPE, id)
        await messaging.mark_read(info.context.instance, user(info), thread_id)
        return await load_thread(info, thread_id)

    @strawberry.mutation(
        description="Archive a thread (or bring it back with archived: false); a new message "
        "brings it back by itself (icomm.messages.read).",
        extensions=[requires(READ)],
    )
    async def archive_thread(
        self, info: Info[Context, None], id: strawberry.ID, archived: bool = True
    ) -> ThreadType:
        thread_id = decode(THREAD_TYPE, id)
        await messaging.archive(info.context.instance, user(info), thread_id, archived)
        return await load_thread(info, thread_id)

    @strawberry.mutation(
        description="Assign a task about a record to a user or a role (icomm.tasks.assign).",
        extensions=[requires(ASSIGN)],
    )
    async def assign_task(self, info: Info[Context, None], input: AssignTaskInput) -> TaskType:
        record = None
        if input.record_id is not None:
            [record] = await check_references(info, [str(input.record_id)], "recordId")
        data = tasks.TaskInput(
            title=input.title,
            assignee=input.assignee,
            instructions=input.instructions,
            record_id=record,
            due_date=input.due_date,
            priority=input.priority,
        )
        task = await tasks.assign(info.context.instance, user(info), data)
        return await load_task(info, task.id)

    @strawberry.mutation(
        description="Move a task to open, in_progress, done or cancelled, with an optional "
        "comment; `version` refuses a stale change (icomm.tasks.work).",
        extensions=[requires(WORK)],
    )
    async def update_task_status(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        status: str,
        comment: str | None = None,
        version: int | None = None,
    ) -> TaskType:
        task_id = decode(TASK_TYPE, id)
        await tasks.update_status(
            info.context.instance, user(info), task_id, status, comment, version
        )
        return await load_task(info, task_id)

    @strawberry.mutation(
        description="Comment on a task, in its thread (icomm.tasks.work).",
        extensions=[requires(WORK)],
    )
    async def comment_task(
        self, info: Info[Context, None], id: strawberry.ID, body: str
    ) -> TaskType:
        task_id = decode(TASK_TYPE, id)
        await tasks.comment(info.context.instance, user(info), task_id, body)
        return await load_task(info, task_id)

    @strawberry.mutation(
        description="Register a connected instance (icomm.peers.manage, audited).",
        extensions=[requires(PEERS)],
    )
    async def add_peer(self, info: Info[Context, None], input: AddPeerInput) -> PeerType:
        instance = info.context.instance
        await peers.add_peer(
            instance,
            actor_of(info.context.principal),
            input.name,
            input.url,
            input.public_key,
            input.country,
        )
        [view] = await peers.list_peers(instance, input.name)
        return PeerType.build(view)

    @strawberry.mutation(
        description="Forget a connected instance and its agreements (icomm.peers.manage, audited).",
        extensions=[requires(PEERS)],
    )
    async def remove_peer(self, info: Info[Context, None], name: str) -> bool:
        await peers.remove_peer(info.context.instance, actor_of(info.context.principal), name)
        return True

    @strawberry.mutation(
        description="Record an agreement with a peer (icomm.peers.manage, audited).",
        extensions=[requires(PEERS)],
    )
    async def add_agreement(self, info: Info[Context, None], input: AddAgreementInput) -> PeerType:
        instance = info.context.instance
        data = peers.AgreementInput(
            legal_basis=input.legal_basis,
            reference=input.reference,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            direction=input.direction,
            record_types=input.record_types or [],
            nominal=input.nominal,
        )
        await peers.add_agreement(instance, actor_of(info.context.principal), input.peer, data)
        [view] = await peers.list_peers(instance, input.peer)
        return PeerType.build(view)

    @strawberry.mutation(
        description="Withdraw an agreement (icomm.peers.manage, audited).",
        extensions=[requires(PEERS)],
    )
    async def remove_agreement(self, info: Info[Context, None], id: int) -> bool:
        await peers.remove_agreement(info.context.instance, actor_of(info.context.principal), id)
        return True

    @strawberry.mutation(
        description="Revoke an agreement (icomm.peers.manage, audited): it stays on record as "
        "the legal basis of past exchanges, and nothing more is sent or accepted under it.",
        extensions=[requires(PEERS)],
    )
    async def revoke_agreement(self, info: Info[Context, None], id: int) -> bool:
        await peers.revoke_agreement(info.context.instance, actor_of(info.context.principal), id)
        return True


async def record_tasks(record: Any, context: Context) -> list[TaskType]:
    """`tasks` on every record type: the tasks about this record the caller may see, newest
    first (none without icomm.tasks.work)."""
    principal = context.principal
    if not isinstance(principal, UserPrincipal) or not principal.can(WORK):
        return []
    type_name = type(record).__strawberry_definition__.name
    global_id = relay.to_base64(type_name, record.id)
    async with context.instance.db.session() as session:
        query = await tasks.query(session, principal, tasks.TaskFilter(record_id=global_id))
        rows = (
            await session.scalars(query.order_by(Task.updated_at.desc(), Task.id.desc()).limit(100))
        ).all()
        return await build_tasks(session, rows)
