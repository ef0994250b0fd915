"""Who may do what with watch lists and alerts, and as whom screening reads records.

- `intelligence.view`: see the watch lists one owns or that are shared with one (a role one
  holds, or the whole instance), and their alerts about records one may see.
- `intelligence.manage`: create watch lists, add and remove entries, judge alerts.
- `intelligence.xref`: cross-reference a whole database (`ncen xref`) and see stored matches.

Screening reads records as the system (every view permission of the enabled record types, so it
sees drafts too); an alert is kept only when the list's owner may see records of its type, and shown
only to readers who may see it as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RolePermission, User, UserRole
from core.auth.permissions import Permission, effective
from core.auth.principal import UserPrincipal
from core.records.registry import record_registry
from core.workflow import user_id
from plugins.intelligence.models import INSTANCE, PRIVATE, ROLE, WatchList

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

VIEW = "intelligence.view"
MANAGE = "intelligence.manage"
XREF = "intelligence.xref"

PERMISSIONS = [
    Permission(VIEW, "See watch lists shared with you and their alerts", ("analyst", "validator")),
    Permission(MANAGE, "Keep watch lists and judge alerts", ("analyst",)),
    Permission(XREF, "Cross-reference whole databases and see stored matches", ("analyst",)),
]
SYSTEM_USER = "intelligence.screening"


def system_principal(instance: Instance) -> UserPrincipal:
    """Sees every record of every enabled record type (drafts too): screening's reader."""
    permissions: set[str] = set()
    for rt in record_registry(instance):
        permissions.add(rt.view_permission)
        if rt.workflow is not None:
            permissions.add(rt.workflow.validate)
    return UserPrincipal(user_id=0, username=SYSTEM_USER, permissions=frozenset(permissions))


async def roles_of(session: AsyncSession, uid: int) -> set[str]:
    return set(await session.scalars(select(UserRole.role).where(UserRole.user_id == uid)))


async def principal_of_user(session: AsyncSession, uid: int) -> UserPrincipal | None:
    """The user's principal as a sign-in would give it now; None if deactivated or gone."""
    user = await session.get(User, uid)
    if user is None or not user.active:
        return None
    granted = await session.scalars(
        select(RolePermission.permission)
        .join(UserRole, UserRole.role == RolePermission.role)
        .where(UserRole.user_id == uid)
    )
    return UserPrincipal(
        user_id=user.id, username=user.username, permissions=effective(frozenset(granted))
    )


def visible_lists(principal: Principal, roles: set[str]) -> ColumnElement[bool]:
    """SQL condition on WatchList for the lists `principal` may see."""
    if not principal.can(VIEW):
        return false()
    uid = user_id(principal)
    conditions: list[Any] = [WatchList.sharing == INSTANCE]
    if uid is not None:
        conditions.append(WatchList.owner_id == uid)
    if roles:
        conditions.append((WatchList.sharing == ROLE) & WatchList.shared_role.in_(roles))
    return or_(*conditions) if conditions else true()


def can_edit(principal: Principal, watch_list: WatchList) -> bool:
    """The owner edits a list; anyone with `manage` edits a list shared with the instance."""
    if not principal.can(MANAGE):
        return False
    return watch_list.owner_id == user_id(principal) or watch_list.sharing != PRIVATE
