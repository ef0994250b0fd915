"""API tokens for machine-to-machine use: created for a service account, shown once, stored
hashed, scoped, expiring, revocable, last use recorded.

A token acts as its owner only, and its owner is a service account (a machine, which cannot
sign in): nobody can hold a token that speaks as a colleague. Its scopes must be within the
owner's permissions when it is made (refused otherwise), and within those of whoever makes it
through the API, so that an administrator, who sees no records, cannot hand out data access;
the operator of the server (`ncen token create`) can. Afterwards its effective permissions are
the scopes intersected with the owner's current ones, so it never exceeds the owner and dies
with it (deactivation revokes it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.audit.writer import record
from core.auth.accounts import SERVICE, get_user
from core.auth.models import ApiToken, PermissionRow, RolePermission, UserRole
from core.auth.permissions import effective, enabled_permissions
from core.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError, PermissionDeniedError

if TYPE_CHECKING:
    from core.instance import Instance

DISPLAY_PREFIX_LENGTH = 12  # "nct_" and 8 random characters: enough to recognise a token


async def create_token(
    instance: Instance,
    actor: object,
    *,
    username: str,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    created_by_id: int | None = None,
    grantor_permissions: frozenset[str] | None = None,
) -> tuple[str, ApiToken]:
    """A new token for the service account `username`; `grantor_permissions` are those of the
    API caller making it (None for the operator's CLI)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InputError("a token needs a name of 1 to 100 characters", field="name")
    limit = instance.config.auth.api_token_max_days
    if not 1 <= expires_in_days <= limit:
        raise InputError(f"expiry must be 1 to {limit} days", field="expiresInDays")
    if not scopes:
        raise InputError("a token needs at least one scope", field="scopes")
    secret = new_secret(API_TOKEN_PREFIX)
    async with instance.db.transaction() as session:
        user = await get_user(session, username)
        if not user.active:
            raise InputError(f"{user.username!r} is deactivated", field="username")
        if user.kind != SERVICE:
            raise InputError(
                f"{user.username!r} is a person's account: API tokens belong to service "
                "accounts (a token acts as its owner only)",
                field="username",
                code="NOT_A_SERVICE_ACCOUNT",
            )
        wanted = sorted(set(scopes))
        stored = set((await session.scalars(select(PermissionRow.name))).all())
        known = stored & enabled_permissions(instance)
        unknown = [s for s in wanted if s not in known]
        if unknown:
            raise InputError(f"unknown permissions {unknown}", field="scopes")
        held = effective(
            frozenset(
                (
                    await session.scalars(
                        select(RolePermission.permission)
                        .join(UserRole, UserRole.role == RolePermission.role)
                        .where(UserRole.user_id == user.id)
                    )
                ).all()
            )
        )
        beyond = [s for s in wanted if s not in held]
        if beyond:
            raise InputError(
                f"{user.username!r} does not hold {beyond}: a token's scopes are within its "
                "owner's permissions",
                field="scopes",
                code="SCOPE_NOT_HELD",
            )
        if grantor_permissions is not None:
            withheld = [s for s in wanted if s not in grantor_permissions]
            if withheld:
                raise PermissionDeniedError(
                    f"you do not hold {withheld}: only permissions one holds can be handed to "
                    "a token (the server's operator can, with `ncen token create`)",
                    field="scopes",
                )
        now = utcnow()
        token = ApiToken(
            name=name,
            prefix=secret[:DISPLAY_PREFIX_LENGTH],
            token_hash=digest(secret),
            user_id=user.id,
            created_by_id=created_by_id,
            scopes=wanted,
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_in_days),
        )
        session.add(token)
        await session.flush()
        await record(
            session,
            actor=actor,
            action="token.create",
            entity_type="ApiToken",
            entity_id=token.id,
            detail={"username": user.username, "name": name, "scopes": wanted},
        )
    return secret, token


async def revoke_token(instance: Instance, actor: object, token_id: int) -> ApiToken:
    async with instance.db.transaction() as session:
        token = await session.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError(f"no API token {token_id}", field="id")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            await record(
                session,
                actor=actor,
                action="token.revoke",
                entity_type="ApiToken",
                entity_id=token.id,
                detail={"name": token.name},
            )
    return token
