"""Session and API-token credentials: issue, revoke, and turn a bearer header into a principal."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from core.auth.credential_cache import TOUCHING, CredentialCache, Entry, cache_of
from core.auth.models import ApiToken, RolePermission, Session, User, UserRole
from core.auth.permissions import effective
from core.auth.principal import RejectedCredentials, UserPrincipal
from core.auth.tokens import API_TOKEN_PREFIX, SESSION_PREFIX, digest, new_secret
from core.config import AuthSettings
from core.db import Database, utcnow
from core.gql.context import ANONYMOUS, Principal

# last_seen_at / last_used_at are written at most this often per credential.
TOUCH_INTERVAL = dt.timedelta(seconds=60)
_SEPARATOR = "\n"  # never part of a permission or role name


def joined(column: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[str]:
    """The values of `column` as one string (aggregate), so that a list of names travels in the
    row of the statement that needs it; `split` reads it back."""
    return func.aggregate_strings(column, _SEPARATOR)


def split(value: str | None) -> list[str]:
    return value.split(_SEPARATOR) if value else []


async def create_session(
    session: AsyncSession, user: User, settings: AuthSettings
) -> tuple[str, Session]:
    """A new session for `user`; the secret is returned once and stored only as its hash."""
    now = utcnow()
    secret = new_secret(SESSION_PREFIX)
    row = Session(
        token_hash=digest(secret),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
    )
    session.add(row)
    await session.flush()
    return secret, row


async def revoke_user_credentials(
    session: AsyncSession, user_id: int, *, tokens: bool = True, keep_session: int | None = None
) -> None:
    """Revoke a user's live sessions (and API tokens), inside the caller's transaction, so the
    very next request with them is refused."""
    now = utcnow()
    sessions = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep_session is not None:
        sessions = sessions.where(Session.id != keep_session)
    await session.execute(sessions.values(revoked_at=now))
    if tokens:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def _permissions_of(
    user_id: ColumnElement[int] | QueryableAttribute[int],
) -> ScalarSelect[str | None]:
    """The user's permissions joined into one string: a correlated subquery, so that a request's
    credential check is one statement."""
    return (
        select(joined(RolePermission.permission))
        .join(UserRole, UserRole.role == RolePermission.role)
        .where(UserRole.user_id == user_id)
        .scalar_subquery()
    )


# Built once: constructing a statement costs more than running it (every request runs one).
_SESSION_LOOKUP = (
    select(Session, User, _permissions_of(User.id))
    .join(User, User.id == Session.user_id)
    .where(Session.token_hash == bindparam("token_hash"))
)
_API_TOKEN_LOOKUP = (
    select(ApiToken, User, _permissions_of(User.id))
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def session_expired(row: Session, settings: AuthSettings, now: dt.datetime) -> str | None:
    if row.revoked_at is not None:
        return "the session has ended"
    if now >= row.expires_at:
        return "the session has expired"
    if now - row.last_seen_at >= dt.timedelta(minutes=settings.session_idle_minutes):
        return "the session has expired after inactivity"
    return None


async def authenticate(
    db: Database, settings: AuthSettings, authorization: str | None
) -> Principal:
    """The principal behind an `Authorization: Bearer` header (anonymous without one).

    A credential verified in the last few seconds is served from the process's credential
    cache (core/auth/credential_cache.py) without a database round trip."""
    if not authorization:
        return ANONYMOUS
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return RejectedCredentials("the Authorization header must be `Bearer <token>`")
    is_session = secret.startswith(SESSION_PREFIX)
    if not is_session and not secret.startswith(API_TOKEN_PREFIX):
        return RejectedCredentials("unknown kind of token")
    key = digest(secret)
    cache = cache_of(db)
    if cache is not None and cache.usable():
        entry = cache.get(key)
        if entry is not None:
            found = await _from_cache(db, settings, entry)
            if found is not None:
                return found
    else:
        cache = None
    if is_session:
        return await _from_session(db, settings, key, cache)
    return await _from_api_token(db, key, cache)


async def _from_cache(db: Database, settings: AuthSettings, entry: Entry) -> Principal | None:
    """The cached principal if its credential is still within its times (None: ask the
    database, which gives the reason otherwise); records the use as the database path does."""
    now = utcnow()
    if now >= entry.expires_at:
        return None
    if entry.kind == "session":
        assert entry.last_used is not None
        if now - entry.last_used >= dt.timedelta(minutes=settings.session_idle_minutes):
            return None
        if now - entry.last_used >= TOUCH_INTERVAL:
            await _touch_session(db, entry.row_id, now)
            entry.last_used = now
    elif entry.last_used is None or now - entry.last_used >= TOUCH_INTERVAL:
        await _touch_token(db, entry.row_id, now)
        entry.last_used = now
    return entry.principal


async def _touch_session(db: Database, session_id: int, now: dt.datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Session).where(Session.id == session_id).values(last_seen_at=now),
            execution_options=TOUCHING,
        )


async def _touch_token(db: Database, token_id: int, now: dt.datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now),
            execution_options=TOUCHING,
        )


async def _from_session(
    db: Database, settings: AuthSettings, key: str, cache: CredentialCache | None
) -> Principal:
    generation = cache.generation if cache is not None else 0
    now = utcnow()
    async with db.session() as session:
        found = (await session.execute(_SESSION_LOOKUP, {"token_hash": key})).first()
    if found is None:
        return RejectedCredentials("the session is unknown or has ended")
    row, user, permissions = found
    reason = session_expired(row, settings, now)
    if reason is None and not user.active:
        reason = "the account is deactivated"
    if reason is not None:
        return RejectedCredentials(reason)
    last_seen = row.last_seen_at
    if now - last_seen >= TOUCH_INTERVAL:
        await _touch_session(db, row.id, now)
        last_seen = now
    principal = UserPrincipal(
        user_id=user.id,
        username=user.username,
        permissions=effective(frozenset(split(permissions))),
        via="session",
        credential_id=row.id,
        must_change_password=user.must_change_password,
    )
    if cache is not None:
        entry = Entry(principal, "session", row.id, row.expires_at, last_seen, time.monotonic())
        cache.put(key, entry, generation)
    return principal


async def _from_api_token(db: Database, key: str, cache: CredentialCache | None) -> Principal:
    generation = cache.generation if cache is not None else 0
    now = utcnow()
    async with db.session() as session:
        found = (await session.execute(_API_TOKEN_LOOKUP, {"token_hash": key})).first()
    if found is None:
        return RejectedCredentials("the API token is unknown")
    token, user, permissions = found
    if token.revoked_at is not None:
        return RejectedCredentials("the API token has been revoked")
    if now >= token.expires_at:
        return RejectedCredentials("the API token has expired")
    if not user.active:
        return RejectedCredentials("the account of the API token is deactivated")
    last_used = token.last_used_at
    if last_used is None or now - last_used >= TOUCH_INTERVAL:
        await _touch_token(db, token.id, now)
        last_used = now
    principal = UserPrincipal(
        user_id=user.id,
        username=user.username,
        permissions=effective(frozenset(split(permissions))) & frozenset(token.scopes),
        via="token",
        credential_id=token.id,
    )
    if cache is not None:
        entry = Entry(principal, "token", token.id, token.expires_at, last_used, time.monotonic())
        cache.put(key, entry, generation)
    return principal
