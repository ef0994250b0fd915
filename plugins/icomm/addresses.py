"""Recipients as users write them: `alice`, `role:liaison`, and on a connected instance
`alice@lisbon` or `role:liaison@lisbon` (the peer's registered name after the `@`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Role, User, UserRole
from core.gql.errors import InputError

ROLE_PREFIX = "role:"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
MAX_RECIPIENTS = 50


@dataclass(frozen=True)
class Address:
    name: str
    is_role: bool
    peer: str | None = None

    @property
    def local(self) -> str:
        """The address as the instance that holds it writes it."""
        return f"{ROLE_PREFIX}{self.name}" if self.is_role else self.name

    def __str__(self) -> str:
        return self.local + (f"@{self.peer}" if self.peer else "")


def parse(value: str, *, field: str = "recipients") -> Address:
    text = value.strip().lower()
    local, _, peer = text.partition("@")
    is_role = local.startswith(ROLE_PREFIX)
    name = local[len(ROLE_PREFIX) :] if is_role else local
    if not _NAME.match(name) or (peer and not _NAME.match(peer)):
        raise InputError(
            f"{value!r} is not a recipient: write a username, role:<name>, or either followed "
            "by @<peer>",
            field=field,
        )
    return Address(name, is_role, peer or None)


def parse_all(values: list[str], *, field: str = "recipients") -> list[Address]:
    if not values:
        raise InputError("name at least one recipient", field=field)
    if len(values) > MAX_RECIPIENTS:
        raise InputError(f"at most {MAX_RECIPIENTS} recipients", field=field)
    return list(dict.fromkeys(parse(v, field=field) for v in values))


async def local_users(
    session: AsyncSession, addresses: list[Address], *, field: str = "recipients"
) -> dict[int, str]:
    """Active users reached by local addresses (user id -> username); an unknown user or role
    is the caller's error, naming it."""
    names = [a.name for a in addresses if not a.is_role]
    roles = [a.name for a in addresses if a.is_role]
    found: dict[int, str] = {}
    if names:
        rows = (
            await session.execute(
                select(User.id, User.username).where(User.username.in_(names), User.active)
            )
        ).all()
        known = {username for _, username in rows}
        missing = sorted(set(names) - known)
        if missing:
            raise InputError(
                f"no active user {missing[0]!r}", field=field, code="UNKNOWN_RECIPIENT"
            )
        found.update(dict(rows))
    if roles:
        known_roles = set(
            (await session.scalars(select(Role.name).where(Role.name.in_(roles)))).all()
        )
        missing = sorted(set(roles) - known_roles)
        if missing:
            raise InputError(f"no role {missing[0]!r}", field=field, code="UNKNOWN_RECIPIENT")
        rows = (
            await session.execute(
                select(User.id, User.username)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role.in_(roles), User.active)
            )
        ).all()
        found.update(dict(rows))
    return found
