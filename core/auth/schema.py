"""GraphQL API of accounts: sign-in, the caller, user and role administration, API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from sqlalchemy import bindparam, select
from strawberry.types import Info

from core.auth import accounts, api_tokens
from core.auth import login as login_service
from core.auth.guard import authenticated, public, requires
from core.auth.models import ApiToken, PermissionRow, Role, RolePermission, User, UserRole
from core.auth.permissions import enabled_permissions
from core.auth.principal import UserPrincipal
from core.auth.sessions import joined, split
from core.auth.throttle import UNKNOWN_SOURCE
from core.gql.context import Context
from core.gql.errors import ApiError, UnauthenticatedError
from core.gql.selection import selection
from core.record_ids import record_id

LOGIN_FLAG = "ncen_login_attempted"


@strawberry.type(name="User", description="A user account.")
class UserType:
    id: strawberry.ID
    username: str
    display_name: str
    email: str | None
    language: str
    unit: str
    active: bool
    must_change_password: bool
    service_account: bool = strawberry.field(
        description="A machine's account: no password, acts only through API tokens."
    )
    roles: list[str]
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @classmethod
    def of(cls, user: User, roles: list[str]) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)),
            service_account=user.kind == accounts.SERVICE,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            language=user.language,
            unit=user.unit,
            active=user.active,
            must_change_password=user.must_change_password,
            roles=roles,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


@strawberry.type(description="The signed-in caller and what they may do.")
class Me:
    user: UserType
    permissions: list[str]
    via: str = strawberry.field(description="`session` or `token`.")


@strawberry.type(description="A new session: send `token` as `Authorization: Bearer <token>`.")
class LoginPayload:
    token: str
    expires_at: dt.datetime
    idle_timeout_minutes: int
    user: UserType


@strawberry.type(name="Role")
class RoleType:
    name: str
    label: str
    builtin: bool
    permissions: list[str]


@strawberry.type(name="Permission")
class PermissionType:
    name: str
    module: str
    description: str


@strawberry.type(name="ApiToken", description="An API token; its secret is never shown again.")
class ApiTokenType:
    id: strawberry.ID
    name: str
    prefix: str
    username: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, token: ApiToken, username: str) -> ApiTokenType:
        return cls(
            id=strawberry.ID(str(token.id)),
            name=token.name,
            prefix=token.prefix,
            username=username,
            scopes=list(token.scopes),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


@strawberry.input
class CreateUserInput:
    username: str
    roles: list[str]
    display_name: str | None = None
    email: str | None = None
    language: str | None = None
    unit: str | None = None
    password: str | None = strawberry.field(
        default=None, description="Omit to generate a temporary password, returned once."
    )
    service_account: bool = strawberry.field(
        default=False,
        description="A machine's account: no password, cannot sign in, acts only through API "
        "tokens (the only accounts tokens are made for).",
    )


@strawberry.input
class UpdateUserInput:
    display_name: str | None = None
    email: str | None = None
    language: str | None = None
    unit: str | None = None


@strawberry.type
class UserWithPasswordPayload:
    user: UserType
    temporary_password: str | None = strawberry.field(
        description="Shown once; the user must change it at first sign-in."
    )


@strawberry.input
class CreateApiTokenInput:
    username: str = strawberry.field(
        description="The service account the token acts as; scopes must be within its "
        "permissions, and within the caller's."
    )
    name: str
    scopes: list[str]
    expires_in_days: int = 90


@strawberry.type
class CreateApiTokenPayload:
    token: ApiTokenType
    secret: str = strawberry.field(description="Shown once: store it now.")


def _principal(info: Info[Context, None]) -> UserPrincipal:
    principal = info.context.principal
    if not isinstance(principal, UserPrincipal):  # the field rule already refused it
        raise UnauthenticatedError("sign in first")
    return principal


def _source(info: Info[Context, None]) -> str:
    """The client's address, as the login throttle counts it (behind a reverse proxy, the
    server must be told to trust its forwarding headers: docs/security.md)."""
    client = info.context.request.client
    return client.host if client and client.host else UNKNOWN_SOURCE


async def _user_type(info: Info[Context, None], user: User) -> UserType:
    async with info.context.instance.db.session() as session:
        return UserType.of(user, await accounts.roles_of(session, user.id))


def _profile(data: CreateUserInput | UpdateUserInput) -> accounts.Profile:
    return accounts.Profile(
        display_name=data.display_name, email=data.email, language=data.language, unit=data.unit
    )


# Fields of `me { user { ... } }` that the verified credential answers (`_user_of`).
_KNOWN_FROM_CREDENTIAL = frozenset({"id", "username", "active", "mustChangePassword", "__typename"})


def _user_of(principal: UserPrincipal) -> UserType:
    """The caller's `User` from the credential alone, for a selection within
    `_KNOWN_FROM_CREDENTIAL`: the other fields are never served from it, so they hold neutral
    values instead of a database read."""
    return UserType(
        id=strawberry.ID(str(principal.user_id)),
        username=principal.username,
        active=True,  # a deactivated account's credentials are refused
        must_change_password=principal.must_change_password,
        display_name="",
        email=None,
        language="",
        unit="",
        service_account=False,
        roles=[],
        created_at=dt.datetime.min.replace(tzinfo=dt.UTC),
        last_login_at=None,
    )


# The caller's user row and roles in one statement, built once (`me` is the smallest request).
_ME = select(
    User,
    select(joined(UserRole.role)).where(UserRole.user_id == User.id).scalar_subquery(),
).where(User.id == bindparam("user_id"))


@strawberry.type
class AuthQuery:
    @strawberry.field(extensions=[public()], description="The caller; null when not signed in.")
    async def me(self, info: Info[Context, None]) -> Me | None:
        principal = info.context.principal
        if not isinstance(principal, UserPrincipal):
            return None
        enabled = enabled_permissions(info.context.instance)
        visible = sorted(p for p in principal.permissions if p in enabled and principal.can(p))
        if selection(info).at("user").names <= _KNOWN_FROM_CREDENTIAL:
            # Everything asked for is in the verified credential: no database round trip.
            return Me(user=_user_of(principal), permissions=visible, via=principal.via)
        async with info.context.instance.db.session() as session:
            found = (await session.execute(_ME, {"user_id": principal.user_id})).first()
        if found is None:
            return None
        user, roles = cast(tuple[User, str | None], tuple(found))
        return Me(
            user=UserType.of(user, sorted(split(roles))),
            permissions=visible,
            via=principal.via,
        )

    @strawberry.field(extensions=[requires("core.users.manage")])
    async def users(self, info: Info[Context, None]) -> list[UserType]:
        async with info.context.instance.db.session() as session:
            users = (await session.scalars(select(User).order_by(User.username))).all()
            roles: dict[int, list[str]] = {}
            for user_id, role in await session.execute(
                select(UserRole.user_id, UserRole.role).order_by(UserRole.role)
            ):
                roles.setdefault(user_id, []).append(role)
        return [UserType.of(u, roles.get(u.id, [])) for u in users]

    @strawberry.field(extensions=[requires("core.users.manage")])
    async def user(self, info: Info[Context, None], username: str) -> UserType | None:
        async with info.context.instance.db.session() as session:
            found = (
                await session.scalars(select(User).where(User.username == username.lower()))
            ).one_or_none()
            if found is None:
                return None
            return UserType.of(found, await accounts.roles_of(session, found.id))

    @strawberry.field(extensions=[requires("core.users.manage")])
    async def roles(self, info: Info[Context, None]) -> list[RoleType]:
        enabled = enabled_permissions(info.context.instance)
        async with info.context.instance.db.session() as session:
            roles = (await session.scalars(select(Role).order_by(Role.name))).all()
            grants: dict[str, list[str]] = {}
            for role, perm in await session.execute(
                select(RolePermission.role, RolePermission.permission).order_by(
                    RolePermission.permission
                )
            ):
                if perm in enabled:
                    grants.setdefault(role, []).append(perm)
        return [
            RoleType(
                name=r.name, label=r.label, builtin=r.builtin, permissions=grants.get(r.name, [])
            )
            for r in roles
        ]

    @strawberry.field(extensions=[requires("core.users.manage")])
    async def permissions(self, info: Info[Context, None]) -> list[PermissionType]:
        """The permissions of core and of the enabled modules."""
        enabled = enabled_permissions(info.context.instance)
        async with info.context.instance.db.session() as session:
            rows = (await session.scalars(select(PermissionRow).order_by(PermissionRow.name))).all()
        return [
            PermissionType(name=r.name, module=r.module, description=r.description)
            for r in rows
            if r.name in enabled
        ]

    @strawberry.field(extensions=[requires("core.tokens.manage")])
    async def api_tokens(
        self, info: Info[Context, None], username: str | None = None
    ) -> list[ApiTokenType]:
        query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        if username is not None:
            query = query.where(User.username == username.lower())
        async with info.context.instance.db.session() as session:
            rows = (await session.execute(query.order_by(ApiToken.id))).all()
        return [ApiTokenType.of(token, name) for token, name in rows]


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        extensions=[public()],
        description="Open a session. Only one login is evaluated per request: further login "
        "fields in the same request are refused without checking their password.",
    )
    async def login(self, info: Info[Context, None], username: str, password: str) -> LoginPayload:
        state = info.context.request.state
        if getattr(state, LOGIN_FLAG, False):
            raise ApiError("only one login is evaluated per request", code="LOGIN_LIMIT")
        setattr(state, LOGIN_FLAG, True)
        instance = info.context.instance
        result = await login_service.login(instance, username, password, _source(info))
        return LoginPayload(
            token=result.token,
            expires_at=result.session.expires_at,
            idle_timeout_minutes=instance.config.auth.session_idle_minutes,
            user=await _user_type(info, result.user),
        )

    @strawberry.mutation(extensions=[authenticated()], description="End the current session.")
    async def logout(self, info: Info[Context, None]) -> bool:
        await login_service.logout(info.context.instance, _principal(info))
        return True

    @strawberry.mutation(
        extensions=[authenticated()],
        description="Replace one's own password; ends the account's other sessions.",
    )
    async def change_password(
        self, info: Info[Context, None], current_password: str, new_password: str
    ) -> bool:
        await login_service.change_password(
            info.context.instance, _principal(info), current_password, new_password, _source(info)
        )
        return True

    @strawberry.mutation(extensions=[requires("core.users.manage")])
    async def create_user(
        self, info: Info[Context, None], input: CreateUserInput
    ) -> UserWithPasswordPayload:
        user, generated = await accounts.create_user(
            info.context.instance,
            _principal(info),
            input.username,
            roles=input.roles,
            profile=_profile(input),
            password=input.password,
            must_change_password=True,
            kind=accounts.SERVICE if input.service_account else accounts.PERSON,
        )
        return UserWithPasswordPayload(
            user=await _user_type(info, user), temporary_password=generated
        )

    @strawberry.mutation(extensions=[requires("core.users.manage")])
    async def update_user(
        self, info: Info[Context, None], username: str, input: UpdateUserInput
    ) -> UserType:
        user = await accounts.update_user(
            info.context.instance, _principal(info), username, _profile(input)
        )
        return await _user_type(info, user)

    @strawberry.mutation(extensions=[requires("core.users.manage")])
    async def set_user_roles(
        self, info: Info[Context, None], username: str, roles: list[str]
    ) -> UserType:
        instance = info.context.instance
        await accounts.set_user_roles(instance, _principal(info), username, roles)
        async with instance.db.session() as session:
            user = await accounts.get_user(session, username)
        return await _user_type(info, user)

    @strawberry.mutation(
        extensions=[requires("core.users.manage")],
        description="Deactivate an account; its sessions and API tokens stop working at once.",
    )
    async def deactivate_user(self, info: Info[Context, None], username: str) -> UserType:
        user = await accounts.set_active(info.context.instance, _principal(info), username, False)
        return await _user_type(info, user)

    @strawberry.mutation(extensions=[requires("core.users.manage")])
    async def reactivate_user(self, info: Info[Context, None], username: str) -> UserType:
        user = await accounts.set_active(info.context.instance, _principal(info), username, True)
        return await _user_type(info, user)

    @strawberry.mutation(
        extensions=[requires("core.users.manage")],
        description="Set a one-time temporary password; ends the user's sessions and tokens.",
    )
    async def reset_password(
        self, info: Info[Context, None], username: str
    ) -> UserWithPasswordPayload:
        instance = info.context.instance
        temporary = await accounts.reset_password(instance, _principal(info), username)
        async with instance.db.session() as session:
            user = await accounts.get_user(session, username)
        return UserWithPasswordPayload(
            user=await _user_type(info, user), temporary_password=temporary
        )

    @strawberry.mutation(
        extensions=[requires("core.users.manage")],
        description="Lift the login throttle of an account, from every address; audited.",
    )
    async def unlock_user(self, info: Info[Context, None], username: str) -> UserType:
        user = await accounts.unlock_user(info.context.instance, _principal(info), username)
        return await _user_type(info, user)

    @strawberry.mutation(extensions=[requires("core.roles.manage")])
    async def set_role_permissions(
        self, info: Info[Context, None], role: str, permissions: list[str]
    ) -> RoleType:
        instance = info.context.instance
        granted = await accounts.set_role_permissions(instance, _principal(info), role, permissions)
        async with instance.db.session() as session:
            row: Any = await session.get(Role, role)
        return RoleType(name=row.name, label=row.label, builtin=row.builtin, permissions=granted)

    @strawberry.mutation(extensions=[requires("core.tokens.manage")])
    async def create_api_token(
        self, info: Info[Context, None], input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        principal = _principal(info)
        secret, token = await api_tokens.create_token(
            info.context.instance,
            principal,
            username=input.username,
            name=input.name,
            scopes=input.scopes,
            expires_in_days=input.expires_in_days,
            created_by_id=principal.user_id,
            grantor_permissions=principal.permissions,
        )
        return CreateApiTokenPayload(
            token=ApiTokenType.of(token, input.username.lower()), secret=secret
        )

    @strawberry.mutation(extensions=[requires("core.tokens.manage")])
    async def revoke_api_token(self, info: Info[Context, None], id: strawberry.ID) -> ApiTokenType:
        token_id = record_id(id)
        if token_id is None:
            raise ApiError("not an API token id", code="INVALID_INPUT", field="id")
        instance = info.context.instance
        token = await api_tokens.revoke_token(instance, _principal(info), token_id)
        async with instance.db.session() as session:
            owner = await session.get(User, token.user_id)
        return ApiTokenType.of(token, owner.username if owner else "")
