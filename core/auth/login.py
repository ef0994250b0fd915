"""Signing in and out, and changing one's own password.

A failed sign-in always answers "invalid username or password", whether the account is
unknown, deactivated or the password wrong; the throttle treats unknown names the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from core.audit.writer import Actor, record
from core.auth import throttle
from core.auth.accounts import PERSON
from core.auth.credential_cache import TOUCHING
from core.auth.models import Session, User
from core.auth.principal import UserPrincipal
from core.auth.runtime import passwords
from core.auth.sessions import create_session, revoke_user_credentials
from core.db import utcnow
from core.gql.errors import ApiError, InputError

if TYPE_CHECKING:
    from core.instance import Instance

FAILED_MESSAGE = "invalid username or password"


class LoginFailed(ApiError):
    code = "LOGIN_FAILED"


class LoginThrottled(ApiError):
    code = "LOGIN_THROTTLED"


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: Session
    user: User


async def _throttled(instance: Instance, key: str, wait: float, action: str) -> ApiError:
    async with instance.db.transaction() as session:
        await record(
            session,
            actor=Actor("anonymous", None, key),
            action=action,
            detail={"username": key, "outcome": "throttled"},
        )
    return LoginThrottled("too many failed attempts: try again later", retryAfter=math.ceil(wait))


async def login(
    instance: Instance, username: str, password: str, source: str = throttle.UNKNOWN_SOURCE
) -> LoginResult:
    """Check the password (once the throttle allows it, for this account from this `source`,
    the client's address) and open a session."""
    settings = instance.config.auth
    hasher = passwords(instance)
    key = throttle.throttle_key(username)
    await throttle.forget_stale_if_due(instance)
    wait = await throttle.reserve_attempt(instance.db, settings, key, source)
    if wait is not None:
        raise await _throttled(instance, key, wait, "auth.login.failure")
    async with instance.db.session() as session:
        user = (await session.scalars(select(User).where(User.username == key))).one_or_none()
    ok = await hasher.verify(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active and user.kind == PERSON
    if not ok or user is None:
        async with instance.db.transaction() as session:
            await record(
                session,
                actor=Actor("anonymous", None, key),
                action="auth.login.failure",
                detail={"username": key},
            )
        raise LoginFailed(FAILED_MESSAGE)
    new_hash = None
    if user.password_hash and hasher.needs_rehash(user.password_hash):
        new_hash = await hasher.hash(password)
    async with instance.db.transaction() as session:
        await throttle.clear(session, key, source)
        values: dict[str, object] = {"last_login_at": utcnow()}
        if new_hash:
            values["password_hash"] = new_hash
        # Only the time of sign-in and a rehash: no signed-in principal changes.
        await session.execute(
            update(User).where(User.id == user.id).values(**values),
            execution_options=TOUCHING,
        )
        token, row = await create_session(session, user, settings)
        await record(
            session,
            actor=Actor("user", str(user.id), user.username),
            action="auth.login.success",
            entity_type="Session",
            entity_id=row.id,
            detail={"rehashed": True} if new_hash else None,
        )
    return LoginResult(token=token, session=row, user=user)


async def logout(instance: Instance, principal: UserPrincipal) -> None:
    async with instance.db.transaction() as session:
        await session.execute(
            update(Session)
            .where(Session.id == principal.credential_id, Session.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await record(
            session,
            actor=principal,
            action="auth.logout",
            entity_type="Session",
            entity_id=principal.credential_id,
        )


async def change_password(
    instance: Instance,
    principal: UserPrincipal,
    current: str,
    new: str,
    source: str = throttle.UNKNOWN_SOURCE,
) -> None:
    """Verify the current password (throttled like a login), apply the policy, and end every
    other session of the account."""
    hasher = passwords(instance)
    wait = await throttle.reserve_attempt(
        instance.db, instance.config.auth, principal.username, source
    )
    if wait is not None:
        raise await _throttled(instance, principal.username, wait, "user.password.change")
    async with instance.db.session() as session:
        user = await session.get(User, principal.user_id)
    if user is None or not await hasher.verify(user.password_hash, current):
        async with instance.db.transaction() as session:
            await record(
                session,
                actor=principal,
                action="user.password.change",
                entity_type="User",
                entity_id=principal.user_id,
                detail={"outcome": "wrong current password"},
            )
        raise InputError("the current password is wrong", field="currentPassword")
    if new == current:
        raise InputError("choose a password different from the current one", field="newPassword")
    try:
        hasher.check_policy(new, context=(user.username, "ncen"))
    except InputError as exc:
        exc.extensions["field"] = "newPassword"
        raise
    new_hash = await hasher.hash(new)
    async with instance.db.transaction() as session:
        await throttle.clear(session, user.username, source)
        await session.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=new_hash, must_change_password=False, updated_at=utcnow())
        )
        await revoke_user_credentials(
            session, user.id, tokens=False, keep_session=principal.credential_id
        )
        await record(
            session,
            actor=principal,
            action="user.password.change",
            entity_type="User",
            entity_id=user.id,
            fields=["password"],
        )
