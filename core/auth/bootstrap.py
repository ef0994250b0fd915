"""`ncen init`: the first administrator and, with `--demo`, one demo user per role.

Passwords are generated at init time (never shipped in the repository) and printed once; the
demo ones are also written to `<data_dir>/demo-logins.txt` (mode 0600), which `ncen serve`
prints, so a demo instance is usable without reading a terminal log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.auth.accounts import Profile, create_user
from core.auth.models import User
from core.auth.passwords import generate_password
from core.auth.permissions import BUILTIN_ROLES
from core.auth.plugin import sync_instance_permissions
from core.errors import NcenError
from core.gql.errors import ApiError

if TYPE_CHECKING:
    from core.instance import Instance

ADMIN_PASSWORD_ENV = "NCEN_ADMIN_PASSWORD"
DEMO_LOGINS = "demo-logins.txt"


async def bootstrap_accounts(
    instance: Instance, actor: object, *, demo: bool, admin_password: str | None
) -> list[str]:
    """Create `admin` on an instance without users, and demo users if asked; return the lines
    to print (with any generated password)."""
    await sync_instance_permissions(instance)
    lines: list[str] = []
    logins: list[tuple[str, str]] = []
    async with instance.db.session() as session:
        existing = set((await session.scalars(select(User.username))).all())
        count = await session.scalar(select(func.count()).select_from(User))
    if not count:
        password = admin_password or generate_password()
        try:
            await create_user(
                instance,
                actor,
                "admin",
                roles=["admin"],
                profile=Profile(display_name="Administrator"),
                password=password,
                must_change_password=False,
            )
        except ApiError as exc:
            raise NcenError(f"${ADMIN_PASSWORD_ENV}: {exc}") from None
        existing.add("admin")
        if admin_password:
            lines.append(f"administrator `admin` created (password from ${ADMIN_PASSWORD_ENV})")
        else:
            lines.append(f"administrator `admin` created; password (shown once): {password}")
            logins.append(("admin", password))
    if demo:
        for role in BUILTIN_ROLES:
            if role == "admin" or role in existing:
                continue
            password = generate_password()
            await create_user(
                instance,
                actor,
                role,
                roles=[role],
                profile=Profile(display_name=f"Demo {role}"),
                password=password,
                must_change_password=False,
            )
            logins.append((role, password))
            lines.append(f"demo user `{role}` created; password: {password}")
        if logins:
            _append_demo_logins(instance.config.data_dir / DEMO_LOGINS, logins)
    return lines


def _append_demo_logins(path: Path, logins: list[tuple[str, str]]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        for username, password in logins:
            out.write(f"{username:<10} {password}\n")
