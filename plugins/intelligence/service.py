"""Watch lists, entries and judgements: each change is one transaction with its audit event
and a bump of the watch revision (so that every process's screening index follows). Audit
events name the list, the entry's kind and the verdict, never the watched values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import record as audit
from core.auth.models import Role
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError, PermissionDeniedError
from core.workflow import user_id
from plugins.intelligence import access, entries, retro
from plugins.intelligence.models import (
    ROLE,
    SHARING,
    VERDICTS,
    Alert,
    Judgement,
    WatchList,
    WatchListEntry,
)
from plugins.intelligence.screening import bump_revision

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance


@dataclass
class ListData:
    name: str
    description: str = ""
    sharing: str = "private"
    shared_role: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


def _check_validity(start: dt.date | None, end: dt.date | None, path: str) -> None:
    if start and end and end < start:
        raise InputError("the validity ends before it starts", field=f"{path}validUntil")


async def _check_list(session: AsyncSession, data: ListData) -> None:
    name = " ".join(data.name.split())
    if not name:
        raise InputError("the name is required", field="input.name", code="REQUIRED")
    if len(name) > 200:
        raise InputError("at most 200 characters", field="input.name")
    if len(data.description) > 5000:
        raise InputError("at most 5000 characters", field="input.description")
    if data.sharing not in SHARING:
        raise InputError(f"sharing is one of {list(SHARING)}", field="input.sharing")
    if data.sharing == ROLE:
        if not data.shared_role or await session.get(Role, data.shared_role) is None:
            raise InputError("name an existing role to share with", field="input.sharedRole")
    elif data.shared_role:
        raise InputError("a role is named only for sharing with a role", field="input.sharedRole")
    _check_validity(data.valid_from, data.valid_until, "input.")
    data.name = name


def _uid(principal: Principal) -> int:
    uid = user_id(principal)
    if uid is None:
        raise PermissionDeniedError("watch lists belong to user accounts", field="input")
    return uid


async def create_list(instance: Instance, principal: Principal, data: ListData) -> WatchList:
    async with instance.db.transaction() as session:
        await _check_list(session, data)
        now = utcnow()
        row = WatchList(
            name=data.name,
            description=data.description,
            owner_id=_uid(principal),
            sharing=data.sharing,
            shared_role=data.shared_role,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        await audit(
            session,
            actor=principal,
            action="intelligence.watch_list.create",
            entity_type="WatchList",
            entity_id=row.id,
            detail={"sharing": row.sharing},
        )
        await bump_revision(session)
    return row


@dataclass
class ListChanges:
    """What an update changes: only the fields given (None: unchanged); `clear` names the
    optional fields to empty (`sharedRole`, `validFrom`, `validUntil`)."""

    name: str | None = None
    description: str | None = None
    sharing: str | None = None
    shared_role: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    clear: frozenset[str] = frozenset()


async def _owned_list(
    session: AsyncSession, principal: Principal, list_id: int | None
) -> WatchList:
    """A list the caller may see and owns: only the owner renames, re-shares or deletes it."""
    watch_list = await visible_list(session, principal, list_id, "id")
    if watch_list.owner_id != user_id(principal) or not principal.can(access.MANAGE):
        raise PermissionDeniedError("only the owner changes or deletes a watch list", field="id")
    return watch_list


async def update_list(
    instance: Instance, principal: Principal, list_id: int | None, changes: ListChanges
) -> WatchList:
    async with instance.db.transaction() as session:
        row = await _owned_list(session, principal, list_id)
        data = ListData(
            name=row.name if changes.name is None else changes.name,
            description=row.description if changes.description is None else changes.description,
            sharing=row.sharing if changes.sharing is None else changes.sharing,
            shared_role=None
            if "sharedRole" in changes.clear
            else changes.shared_role
            or (row.shared_role if changes.sharing in (None, row.sharing) else None),
            valid_from=None
            if "validFrom" in changes.clear
            else changes.valid_from or row.valid_from,
            valid_until=None
            if "validUntil" in changes.clear
            else changes.valid_until or row.valid_until,
        )
        await _check_list(session, data)
        before = {"sharing": row.sharing, "shared_role": row.shared_role}
        changed = sorted(
            name
            for name, old, new in (
                ("name", row.name, data.name),
                ("description", row.description, data.description),
                ("sharing", row.sharing, data.sharing),
                ("sharedRole", row.shared_role, data.shared_role),
                ("validFrom", row.valid_from, data.valid_from),
                ("validUntil", row.valid_until, data.valid_until),
            )
            if old != new
        )
        if not changed:
            return row
        row.name, row.description = data.name, data.description
        row.sharing, row.shared_role = data.sharing, data.shared_role
        row.valid_from, row.valid_until = data.valid_from, data.valid_until
        row.updated_at = utcnow()
        await audit(
            session,
            actor=principal,
            action="intelligence.watch_list.update",
            entity_type="WatchList",
            entity_id=row.id,
            detail={
                "fields": changed,
                "sharing": row.sharing,
                "shared_role": row.shared_role,
                "was": before,
            },
        )
        await bump_revision(session)  # the validity period bounds screening
    return row


async def delete_list(instance: Instance, principal: Principal, list_id: int | None) -> None:
    """The list goes with its entries, alerts and judgements (what it watched for is gone)."""
    async with instance.db.transaction() as session:
        row = await _owned_list(session, principal, list_id)
        counts = {
            "entries": await session.scalar(
                select(func.count()).where(WatchListEntry.list_id == row.id)
            ),
            "alerts": await session.scalar(select(func.count()).where(Alert.list_id == row.id)),
        }
        number = row.id
        await session.execute(delete(WatchList).where(WatchList.id == number))
        await audit(
            session,
            actor=principal,
            action="intelligence.watch_list.delete",
            entity_type="WatchList",
            entity_id=number,
            detail={k: int(v or 0) for k, v in counts.items()},
        )
        await bump_revision(session)


async def visible_list(
    session: AsyncSession, principal: Principal, list_id: int | None, field: str
) -> WatchList:
    roles = await access.roles_of(session, user_id(principal) or 0)
    row = None
    if list_id is not None:
        row = await session.scalar(
            select(WatchList).where(WatchList.id == list_id, access.visible_lists(principal, roles))
        )
    if row is None:
        raise NotFoundError("no such watch list", field=field)
    return row


Given = tuple[entries.EntryData, str | None, dt.date | None, dt.date | None]  # entry, note, dates
Checked = tuple[str, dict[str, Any], str | None, dt.date | None, dt.date | None]


def check_entry(given: Given, where: str) -> Checked:
    """One entry as stored (kind, data, note, validity); InputError naming the field under
    `where` otherwise."""
    data, note, start, end = given
    stored = entries.check(data, where)
    if note and len(note) > 5000:
        raise InputError("at most 5000 characters", field=f"{where}.note")
    _check_validity(start, end, f"{where}.")
    return data.kind, stored, note, start, end


async def editable_list(
    session: AsyncSession, principal: Principal, list_id: int | None, field: str
) -> WatchList:
    """A list the caller may see and add entries to."""
    watch_list = await visible_list(session, principal, list_id, field)
    if not access.can_edit(principal, watch_list):
        raise PermissionDeniedError("only the owner changes a private list", field=field)
    return watch_list


async def add_entries(
    instance: Instance,
    principal: Principal,
    list_id: int | None,
    given: Sequence[Given],
    *,
    path: str = "input",
    field: str = "watchList",
) -> list[WatchListEntry]:
    """Check every entry first (the first bad one is the error), then add them all."""
    checked = [
        check_entry(item, path if len(given) == 1 else f"{path}[{n}]")
        for n, item in enumerate(given)
    ]
    return await add_checked(instance, principal, list_id, checked, field=field)


async def add_checked(
    instance: Instance,
    principal: Principal,
    list_id: int | None,
    checked: Sequence[Checked],
    *,
    field: str = "watchList",
    source: str | None = None,
) -> list[WatchListEntry]:
    """Add checked entries in one transaction (all or none), audited, and queue the screening
    of the records already there."""
    async with instance.db.transaction() as session:
        watch_list = await editable_list(session, principal, list_id, field)
        rows = [
            WatchListEntry(
                list_id=watch_list.id,
                kind=kind,
                label=entries.label_of(kind, stored),
                data=stored,
                note=note,
                valid_from=start,
                valid_until=end,
                created_by=user_id(principal),
                created_at=utcnow(),
            )
            for kind, stored, note, start, end in checked
        ]
        session.add_all(rows)
        watch_list.updated_at = utcnow()
        await session.flush()
        retro.schedule(session, [r.id for r in rows])  # the records already there, in the back
        detail: dict[str, Any] = {"entries": len(rows), "kinds": sorted({r.kind for r in rows})}
        if source:
            detail["source"] = source
        await audit(
            session,
            actor=principal,
            action="intelligence.watch_list.entries_added",
            entity_type="WatchList",
            entity_id=watch_list.id,
            detail=detail,
        )
        await bump_revision(session)
    return rows


async def remove_entry(
    instance: Instance, principal: Principal, entry_id: int | None
) -> WatchListEntry:
    async with instance.db.transaction() as session:
        entry = await session.get(WatchListEntry, entry_id) if entry_id else None
        if entry is None or entry.removed_at is not None:
            raise NotFoundError("no such watch-list entry", field="id")
        watch_list = await visible_list(session, principal, entry.list_id, "id")
        if not access.can_edit(principal, watch_list):
            raise PermissionDeniedError("only the owner changes a private list", field="id")
        entry.removed_at = utcnow()
        watch_list.updated_at = entry.removed_at
        await audit(
            session,
            actor=principal,
            action="intelligence.watch_list.entry_removed",
            entity_type="WatchList",
            entity_id=watch_list.id,
            detail={"entry": entry.id, "kind": entry.kind},
        )
        await bump_revision(session)
    return entry


async def judge(
    instance: Instance,
    principal: Principal,
    alert_id: int | None,
    verdict: str,
    comment: str | None,
) -> Alert:
    """Keep an analyst's verdict; `no_match` closes the pair for later screenings."""
    if verdict not in VERDICTS:
        raise InputError(f"the verdict is one of {list(VERDICTS)}", field="verdict")
    if comment and len(comment) > 5000:
        raise InputError("at most 5000 characters", field="comment")
    from plugins.intelligence.alerts import visible_alert

    async with instance.db.transaction() as session:
        alert = await visible_alert(instance, session, principal, alert_id)
        if alert is None:
            raise NotFoundError("no such alert", field="id")
        if not principal.can(access.MANAGE):
            raise PermissionDeniedError("intelligence.manage is required", field="id")
        alert.status = verdict
        alert.updated_at = utcnow()
        session.add(
            Judgement(
                alert_id=alert.id,
                verdict=verdict,
                comment=comment,
                user_id=user_id(principal),
                username=getattr(principal, "username", None),
                created_at=alert.updated_at,
            )
        )
        await audit(
            session,
            actor=principal,
            action="intelligence.alert.judged",
            entity_type="Alert",
            entity_id=alert.id,
            detail={"verdict": verdict},
        )
    return alert
