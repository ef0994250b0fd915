"""Tasks on records: assigned to a user or a role, with a status, comments (messages in the
task's own thread) and a history of every step.

Who may see and work on a task: its assignee (the user, or any current member of the role),
whoever assigned it, and supervisors (`icomm.tasks.supervise`). The record a task is about
is named by its global id and shown only to readers allowed to see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.accounts import roles_of
from core.auth.principal import UserPrincipal
from core.db import utcnow
from core.gql.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from core.instance import Instance
from plugins.icomm import addresses as addr
from plugins.icomm.messaging import Author, add_message, check_text, start_thread
from plugins.icomm.models import (
    ACTIVE_STATES,
    CANCELLED,
    DONE,
    IN_PROGRESS,
    OPEN,
    PRIORITIES,
    TASK,
    TASK_STATES,
    Task,
    TaskEvent,
    Thread,
)

SUPERVISE = "icomm.tasks.supervise"
# Allowed status changes: a closed task can be reopened.
TRANSITIONS = {
    OPEN: {IN_PROGRESS, DONE, CANCELLED},
    IN_PROGRESS: {OPEN, DONE, CANCELLED},
    DONE: {OPEN},
    CANCELLED: {OPEN},
}


@dataclass(frozen=True)
class TaskInput:
    title: str
    assignee: str
    instructions: str = ""
    record_id: str | None = None
    due_date: dt.date | None = None
    priority: str = "normal"


def is_overdue(task: Task, today: dt.date | None = None) -> bool:
    today = today or utcnow().date()
    return task.status in ACTIVE_STATES and task.due_date is not None and task.due_date < today


async def assign(instance: Instance, principal: UserPrincipal, data: TaskInput) -> Task:
    if not (0 < len(data.title.strip()) <= 300):
        raise InputError("a title of 1 to 300 characters", field="title")
    if data.instructions:
        check_text(instance, None, data.instructions)
    if data.priority not in PRIORITIES:
        raise InputError(f"one of {', '.join(PRIORITIES)}", field="priority")
    target = addr.parse(data.assignee, field="assignee")
    if target.peer:
        raise InputError("tasks are assigned to users of this instance", field="assignee")
    author = Author.of(principal)
    now = utcnow()
    async with instance.db.transaction() as session:
        users = await addr.local_users(session, [target], field="assignee")
        assignee_user_id = None if target.is_role else next(iter(users))
        if not users:
            raise InputError(f"nobody holds the role {target.name!r}", field="assignee")
        thread = await start_thread(session, author, data.title, kind=TASK)
        users[principal.user_id] = principal.username
        await add_message(
            session,
            thread,
            author,
            data.instructions or data.title,
            recipients=[str(target)],
            references=[data.record_id] if data.record_id else [],
            users=users,
        )
        task = Task(
            thread_id=thread.id,
            title=data.title.strip(),
            instructions=data.instructions,
            record_id=data.record_id,
            due_date=data.due_date,
            priority=data.priority,
            status=OPEN,
            assignee_user_id=assignee_user_id,
            assignee_role=target.name if target.is_role else None,
            assignee=str(target),
            created_by_id=principal.user_id,
            created_by=principal.username,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(task)
        await session.flush()
        session.add(
            TaskEvent(task_id=task.id, action="created", actor=author.name, to_status=OPEN, at=now)
        )
    return task


async def visible_filter(session: AsyncSession, principal: UserPrincipal):  # type: ignore[no-untyped-def]
    """The condition on Task rows the caller may see."""
    if principal.can(SUPERVISE):
        return None
    roles = await roles_of(session, principal.user_id)
    return or_(
        Task.assignee_user_id == principal.user_id,
        Task.assignee_role.in_(roles),
        Task.created_by_id == principal.user_id,
    )


async def get(session: AsyncSession, principal: UserPrincipal, task_id: int) -> Task:
    query = select(Task).where(Task.id == task_id)
    condition = await visible_filter(session, principal)
    if condition is not None:
        query = query.where(condition)
    task = (await session.scalars(query)).first()
    if task is None:
        raise NotFoundError("no such task visible to you", field="id")
    return task


async def _may_work(session: AsyncSession, principal: UserPrincipal, task: Task) -> bool:
    if task.assignee_user_id == principal.user_id or task.created_by_id == principal.user_id:
        return True
    if task.assignee_role and task.assignee_role in await roles_of(session, principal.user_id):
        return True
    return principal.can(SUPERVISE)


async def _ensure_participant(session: AsyncSession, thread: Thread, principal: UserPrincipal):  # type: ignore[no-untyped-def]
    from plugins.icomm.models import Participant

    if await session.get(Participant, (thread.id, principal.user_id)) is None:
        session.add(
            Participant(
                thread_id=thread.id,
                user_id=principal.user_id,
                unread=0,
                archived=False,
                updated_at=utcnow(),
            )
        )
        await session.flush()


async def update_status(
    instance: Instance,
    principal: UserPrincipal,
    task_id: int,
    status: str,
    comment: str | None = None,
    version: int | None = None,
) -> Task:
    if status not in TASK_STATES:
        raise InputError(f"one of {', '.join(TASK_STATES)}", field="status")
    if comment:
        check_text(instance, None, comment)
    async with instance.db.transaction() as session:
        task = await get(session, principal, task_id)
        if not await _may_work(session, principal, task):
            raise PermissionDeniedError("only the assignee, the assigner or a supervisor")
        if version is not None and version != task.version:
            raise ConflictError(
                f"the task changed since you read it (version {task.version})", field="version"
            )
        if status != task.status and status not in TRANSITIONS[task.status]:
            raise InputError(f"a {task.status} task cannot become {status}", field="status")
        now = utcnow()
        previous = task.status
        task.status = status
        task.version += 1
        task.updated_at = now
        session.add(
            TaskEvent(
                task_id=task.id,
                action="status",
                actor=principal.username,
                from_status=previous,
                to_status=status,
                note=comment or "",
                at=now,
            )
        )
        if comment:
            thread = await session.get(Thread, task.thread_id)
            assert thread is not None
            await _ensure_participant(session, thread, principal)
            await add_message(session, thread, Author.of(principal), comment)
    return task


async def comment(instance: Instance, principal: UserPrincipal, task_id: int, body: str) -> Task:
    check_text(instance, None, body)
    async with instance.db.transaction() as session:
        task = await get(session, principal, task_id)
        thread = await session.get(Thread, task.thread_id)
        assert thread is not None
        await _ensure_participant(session, thread, principal)
        await add_message(session, thread, Author.of(principal), body)
        task.updated_at = utcnow()
        session.add(
            TaskEvent(task_id=task.id, action="comment", actor=principal.username, note=body[:2000])
        )
    return task


@dataclass(frozen=True)
class TaskFilter:
    status: str | None = None
    assignee: str | None = None
    record_id: str | None = None
    overdue: bool | None = None
    mine: bool = False


async def query(
    session: AsyncSession, principal: UserPrincipal, where: TaskFilter
) -> Select[tuple[Task]]:
    query = select(Task)
    if where.mine:
        roles = await roles_of(session, principal.user_id)
        query = query.where(
            or_(Task.assignee_user_id == principal.user_id, Task.assignee_role.in_(roles))
        )
    else:
        condition = await visible_filter(session, principal)
        if condition is not None:
            query = query.where(condition)
    if where.status is not None:
        if where.status not in TASK_STATES:
            raise InputError(f"one of {', '.join(TASK_STATES)}", field="status")
        query = query.where(Task.status == where.status)
    if where.assignee is not None:
        query = query.where(Task.assignee == str(addr.parse(where.assignee, field="assignee")))
    if where.record_id is not None:
        query = query.where(Task.record_id == where.record_id)
    if where.overdue is not None:
        today = utcnow().date()
        late = and_(
            Task.status.in_(ACTIVE_STATES), Task.due_date.is_not(None), Task.due_date < today
        )
        query = query.where(late if where.overdue else ~late)
    return query


async def history(session: AsyncSession, task_ids: list[int]) -> dict[int, list[TaskEvent]]:
    rows = (
        await session.scalars(
            select(TaskEvent).where(TaskEvent.task_id.in_(task_ids)).order_by(TaskEvent.id)
        )
    ).all()
    found: dict[int, list[TaskEvent]] = {i: [] for i in task_ids}
    for row in rows:
        found[row.task_id].append(row)
    return found
