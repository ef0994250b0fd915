"""Account administration: create, update, roles, deactivate, reactivate, reset password.

Every change and its audit event are one transaction. Deactivation and reset revoke the
user's sessions and API tokens in that same transaction. Changes that could leave no active
administrator are refused; on PostgreSQL an advisory lock serialises account changes so two
concurrent demotions cannot both pass that check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import record
from core.auth import throttle
from core.auth.models import PermissionRow, Role, RolePermission, User, UserRole
from core.auth.passwords import generate_password
from core.auth.permissions import ADMIN_ESSENTIAL, enabled_permissions, mixed
from core.auth.runtime import passwords
from core.auth.sessions import revoke_user_credentials
from core.db import utcnow
from core.gql.errors import ConflictError, InputError, NotFoundError

if TYPE_CHECKING:
    from core.instance import Instance

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCOUNTS_LOCK_KEY = 7301003
ADMIN_ROLE = "admin"
PERSON, SERVICE = "person", "service"  # core_user.kind
SEPARATION = "SEPARATION_OF_DUTIES"
PROFILE_FIELDS = ("display_name", "email", "language", "unit")


@dataclass
class Profile:
    """Editable profile fields; None leaves a field unchanged on update."""

    display_name: str | None = None
    email: str | None = None
    language: str | None = None
    unit: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


async def lock_accounts(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_advisory_xact_lock({ACCOUNTS_LOCK_KEY})"))


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError(
            "a username has 2 to 64 characters: lowercase letters, digits, '.', '_' or '-'",
            field="username",
        )
    return name


def _check_profile(instance: Instance, profile: Profile) -> dict[str, object]:
    values: dict[str, object] = {}
    if profile.display_name is not None:
        if len(profile.display_name) > 200:
            raise InputError("at most 200 characters", field="displayName")
        values["display_name"] = profile.display_name.strip()
    if profile.email is not None:
        email = profile.email.strip()
        if email and (len(email) > 320 or not EMAIL.match(email)):
            raise InputError("not an e-mail address", field="email")
        values["email"] = email or None
    if profile.language is not None:
        if profile.language not in instance.config.languages:
            raise InputError(
                f"language must be one of {list(instance.config.languages)}", field="language"
            )
        values["language"] = profile.language
    if profile.unit is not None:
        if len(profile.unit) > 200:
            raise InputError("at most 200 characters", field="unit")
        values["unit"] = profile.unit.strip()
    return values


async def get_user(session: AsyncSession, username: str) -> User:
    user = (
        await session.scalars(select(User).where(User.username == username.strip().lower()))
    ).one_or_none()
    if user is None:
        raise NotFoundError(f"no user {username!r}", field="username")
    return user


async def roles_of(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(UserRole.role).where(UserRole.user_id == user_id).order_by(UserRole.role)
    )
    return list(rows.all())


async def _check_roles(session: AsyncSession, roles: list[str]) -> list[str]:
    wanted = sorted(set(roles))
    known = set((await session.scalars(select(Role.name))).all())
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise InputError(f"unknown roles {unknown}", field="roles")
    granted = set(
        (
            await session.scalars(
                select(RolePermission.permission).where(RolePermission.role.in_(wanted))
            )
        ).all()
    )
    data = mixed(granted)
    if data:
        raise ConflictError(
            f"roles {wanted} would give one account both administration and data access "
            f"({', '.join(data)}): administrators see no records (separation of duties)",
            field="roles",
            code=SEPARATION,
        )
    return wanted


async def _other_active_admins(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == ADMIN_ROLE, User.active.is_(True), User.id != user_id)
        )
    ) or 0


async def _refuse_last_admin(session: AsyncSession, user: User, still_admin: bool) -> None:
    was_admin = user.active and ADMIN_ROLE in await roles_of(session, user.id)
    if was_admin and not still_admin and await _other_active_admins(session, user.id) == 0:
        raise ConflictError(
            f"{user.username!r} is the last active administrator: make another one first",
            field="username",
        )


async def create_user(
    instance: Instance,
    actor: object,
    username: str,
    *,
    roles: list[str],
    profile: Profile | None = None,
    password: str | None = None,
    must_change_password: bool | None = None,
    kind: str = PERSON,
) -> tuple[User, str | None]:
    """Create an account. Without `password` a temporary one is generated, returned once, and
    must be changed at first sign-in. A service account (`kind="service"`, for machines) has
    no password at all: it cannot sign in and acts only through API tokens. Returns (user,
    generated password or None)."""
    name = check_username(username)
    values = _check_profile(instance, profile or Profile())
    hasher = passwords(instance)
    generated = None
    password_hash: str | None = None
    must_change = False
    if kind == SERVICE:
        if password is not None:
            raise InputError("a service account has no password", field="password")
    elif kind != PERSON:
        raise InputError(f"an account is a {PERSON} or a {SERVICE}", field="kind")
    elif password is None:
        generated = password = generate_password()
        must_change = True if must_change_password is None else must_change_password
    else:
        hasher.check_policy(password, context=(name, "ncen"))
        must_change = bool(must_change_password)
    if password is not None:
        password_hash = await hasher.hash(password)
    async with instance.db.transaction() as session:
        await lock_accounts(session)
        if await session.scalar(select(User.id).where(User.username == name)) is not None:
            raise ConflictError(f"the username {name!r} is taken", field="username")
        wanted = await _check_roles(session, roles)
        now = utcnow()
        user = User(
            username=name,
            kind=kind,
            display_name=values.get("display_name", ""),
            email=values.get("email"),
            language=values.get("language", instance.config.default_language),
            unit=values.get("unit", ""),
            active=True,
            must_change_password=must_change,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.flush()
        session.add_all(UserRole(user_id=user.id, role=role) for role in wanted)
        await record(
            session,
            actor=actor,
            action="user.create",
            entity_type="User",
            entity_id=user.id,
            fields=["username", "roles", *(["password"] if password_hash else []), *values],
            detail={"username": name, "roles": wanted, "kind": kind},
        )
    return user, generated


async def update_user(instance: Instance, actor: object, username: str, profile: Profile) -> User:
    values = _check_profile(instance, profile)
    async with instance.db.transaction() as session:
        user = await get_user(session, username)
        changed = [k for k, v in values.items() if getattr(user, k) != v]
        for key in changed:
            setattr(user, key, values[key])
        if changed:
            user.updated_at = utcnow()
            await record(
                session,
                actor=actor,
                action="user.update",
                entity_type="User",
                entity_id=user.id,
                fields=changed,
            )
    return user


async def set_user_roles(
    instance: Instance, actor: object, username: str, roles: list[str]
) -> list[str]:
    async with instance.db.transaction() as session:
        await lock_accounts(session)
        user = await get_user(session, username)
        wanted = await _check_roles(session, roles)
        before = await roles_of(session, user.id)
        await _refuse_last_admin(session, user, still_admin=ADMIN_ROLE in wanted)
        await session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        session.add_all(UserRole(user_id=user.id, role=role) for role in wanted)
        user.updated_at = utcnow()
        await record(
            session,
            actor=actor,
            action="user.roles.set",
            entity_type="User",
            entity_id=user.id,
            fields=["roles"],
            detail={"username": user.username, "before": before, "after": wanted},
        )
    return wanted


async def set_active(instance: Instance, actor: object, username: str, active: bool) -> User:
    """Deactivate (revoking every session and token at once) or reactivate an account."""
    async with instance.db.transaction() as session:
        await lock_accounts(session)
        user = await get_user(session, username)
        if not active:
            await _refuse_last_admin(session, user, still_admin=False)
            await revoke_user_credentials(session, user.id)
        if user.active != active:
            user.active = active
            user.updated_at = utcnow()
            await record(
                session,
                actor=actor,
                action="user.reactivate" if active else "user.deactivate",
                entity_type="User",
                entity_id=user.id,
                fields=["active"],
                detail={"username": user.username},
            )
    return user


async def reset_password(instance: Instance, actor: object, username: str) -> str:
    """A one-time temporary password, to be changed at next sign-in; revokes credentials and
    clears the login throttle of the account."""
    temporary = generate_password()
    password_hash = await passwords(instance).hash(temporary)
    async with instance.db.transaction() as session:
        user = await get_user(session, username)
        if user.kind != PERSON:
            raise InputError(
                f"{user.username!r} is a service account: it has no password", field="username"
            )
        user.password_hash = password_hash
        user.must_change_password = True
        user.updated_at = utcnow()
        await revoke_user_credentials(session, user.id)
        await throttle.unlock(session, user.username)
        await record(
            session,
            actor=actor,
            action="user.password.reset",
            entity_type="User",
            entity_id=user.id,
            fields=["password", "must_change_password"],
            detail={"username": user.username},
        )
    return temporary


async def unlock_user(instance: Instance, actor: object, username: str) -> User:
    """Lift the login throttle of an account, from every source (its password unchanged)."""
    async with instance.db.transaction() as session:
        user = await get_user(session, username)
        cleared = await throttle.unlock(session, user.username)
        await record(
            session,
            actor=actor,
            action="user.unlock",
            entity_type="User",
            entity_id=user.id,
            detail={"username": user.username, "counters": cleared},
        )
    return user


async def set_role_permissions(
    instance: Instance, actor: object, role: str, permissions: list[str]
) -> list[str]:
    """Replace what a role grants; the admin role always keeps account management."""
    async with instance.db.transaction() as session:
        await lock_accounts(session)
        if await session.get(Role, role) is None:
            raise NotFoundError(f"no role {role!r}", field="role")
        wanted = sorted(set(permissions))
        # Only the permissions of core and the enabled modules are seen and replaced: a
        # disabled module's grants stay as they are, for the day it is enabled again.
        stored = set((await session.scalars(select(PermissionRow.name))).all())
        known = sorted(stored & enabled_permissions(instance))
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise InputError(f"unknown permissions {unknown}", field="permissions")
        if role == ADMIN_ROLE and not set(wanted) >= ADMIN_ESSENTIAL:
            raise ConflictError(
                f"the admin role must keep {sorted(ADMIN_ESSENTIAL)}", field="permissions"
            )
        data = mixed(set(wanted))
        if data:
            raise ConflictError(
                f"a role with administration permissions cannot also grant data access "
                f"({', '.join(data)}): administrators see no records (separation of duties)",
                field="permissions",
                code=SEPARATION,
            )
        mine = (RolePermission.role == role, RolePermission.permission.in_(known))
        before = sorted(
            (await session.scalars(select(RolePermission.permission).where(*mine))).all()
        )
        await session.execute(delete(RolePermission).where(*mine))
        session.add_all(RolePermission(role=role, permission=p) for p in wanted)
        await record(
            session,
            actor=actor,
            action="role.permissions.set",
            entity_type="Role",
            entity_id=role,
            fields=["permissions"],
            detail={"before": before, "after": wanted},
        )
    return wanted
