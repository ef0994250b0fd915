"""Permissions declared by core and modules, built-in roles, and their sync into the database.

Declarations come from the `register_permissions` hook. The role->permission mapping lives in
the database: a permission seen for the first time gets its `default_roles`; afterwards the
mapping belongs to the administrators and start-up never changes it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pluggy
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import PermissionRow, Role, RolePermission
from core.errors import ModuleLoadError
from core.plugins import collect

if TYPE_CHECKING:
    from core.instance import Instance

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

BUILTIN_ROLES: dict[str, str] = {
    "admin": "Administrator: manages users, roles and modules; no data access by default",
    "validator": "Validator: checks and validates records",
    "officer": "Officer: enters and edits records",
    "analyst": "Analyst: reads and exports records",
    "auditor": "Auditor: reads the audit log",
}

# Permissions the admin role keeps whatever an administrator does to the mapping, so that
# nobody can remove the last way of managing accounts.
ADMIN_ESSENTIAL = frozenset({"core.users.manage", "core.roles.manage"})
_ENABLED_KEY = "core.auth.enabled_permissions"
# Separation of duties: whoever manages accounts, roles, tokens or modules sees no records.
# With any of these, an account keeps only ADMIN_COMPATIBLE (reference data, the audit log).
ADMINISTRATIVE = frozenset(
    {"core.users.manage", "core.roles.manage", "core.tokens.manage", "core.modules.manage"}
)
ADMIN_COMPATIBLE = ADMINISTRATIVE | {"core.codelists.manage", "core.audit.read"}
# Module permissions declared `administrative=True` (applying updates, managing peers): they
# join ADMINISTRATIVE. Permission names are unique and prefixed by their module, so the
# flag belongs to the name and one process-wide set serves every instance.
_declared_administrative: set[str] = set()


def administrative() -> frozenset[str]:
    """Every permission that makes its holder an administrator."""
    return ADMINISTRATIVE | _declared_administrative


def effective(permissions: frozenset[str]) -> frozenset[str]:
    """What an account may do with these granted permissions: an administrator's data
    permissions are dropped, whatever roles or grants gave them (the one place this is
    decided; every credential check goes through it)."""
    admin = administrative()
    if permissions & admin:
        return permissions & (ADMIN_COMPATIBLE | admin)
    return permissions


def mixed(permissions: frozenset[str] | set[str]) -> list[str]:
    """The data permissions that cannot go with the administrative ones among `permissions`."""
    admin = administrative()
    if set(permissions) & admin:
        return sorted(set(permissions) - ADMIN_COMPATIBLE - admin)
    return []


@dataclass(frozen=True)
class Permission:
    """A permission a module declares: `<module>.<what>`, with the roles granted it at first sight."""

    name: str
    description: str
    default_roles: tuple[str, ...] = ()
    # True for permissions that administer the system rather than read records: they go
    # with the admin role's other permissions and exclude data access (separation of duties).
    administrative: bool = False


CORE_PERMISSIONS = [
    Permission("core.users.manage", "Create, change and deactivate user accounts", ("admin",)),
    Permission("core.roles.manage", "Change which permissions each role grants", ("admin",)),
    Permission("core.tokens.manage", "Create and revoke API tokens", ("admin",)),
    Permission("core.modules.manage", "Enable, disable and update modules", ("admin",)),
    Permission("core.audit.read", "Read the audit log", ("auditor",)),
]


@dataclass(frozen=True)
class DeclaredPermission:
    permission: Permission
    module: str  # "core" for core plugins


def collect_permissions(pm: pluggy.PluginManager, modules: list[str]) -> list[DeclaredPermission]:
    """Every declared permission, checked: `<module>.` prefix, valid name, known roles, unique."""
    declared: dict[str, DeclaredPermission] = {}
    for plugin, answer in collect(pm, "register_permissions"):
        module = plugin if plugin in modules else "core"
        for perm in answer:
            if not isinstance(perm, Permission):
                raise ModuleLoadError(
                    f"module {module!r}: register_permissions must return Permission objects"
                )
            if not perm.name.startswith(f"{module}.") or not _NAME.match(perm.name):
                raise ModuleLoadError(
                    f"module {module!r} declares permission {perm.name!r} outside its prefix "
                    f"'{module}.' (lowercase dotted names only)"
                )
            unknown = [r for r in perm.default_roles if r not in BUILTIN_ROLES]
            if unknown:
                raise ModuleLoadError(
                    f"module {module!r}: permission {perm.name!r} names unknown roles {unknown}"
                )
            if perm.name in declared:
                raise ModuleLoadError(f"permission {perm.name!r} is declared twice")
            declared[perm.name] = DeclaredPermission(perm, module)
            if perm.administrative:
                _declared_administrative.add(perm.name)
    return list(declared.values())


def enabled_permissions(instance: Instance) -> frozenset[str]:
    """The permissions core and the enabled modules declare: the only ones the API lists,
    grants or accepts. A disabled module's permissions and grants stay in the database,
    untouched, for the day it is enabled again."""
    found = instance.state.get(_ENABLED_KEY)
    if found is None:
        declared = collect_permissions(instance.pm, instance.module_names)
        found = instance.state[_ENABLED_KEY] = frozenset(d.permission.name for d in declared)
    return found


async def sync_permissions(session: AsyncSession, declared: list[DeclaredPermission]) -> list[str]:
    """Insert built-in roles and new permissions (with their default roles); return the new names.

    Runs inside a write transaction; on PostgreSQL a transaction-level advisory lock keeps
    several processes starting at once from inserting the same rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(7301001)"))
    roles = set((await session.scalars(select(Role.name))).all())
    for name, label in BUILTIN_ROLES.items():
        if name not in roles:
            session.add(Role(name=name, label=label, builtin=True))
    known = set((await session.scalars(select(PermissionRow.name))).all())
    new = [d for d in declared if d.permission.name not in known]
    for item in new:
        perm = item.permission
        session.add(PermissionRow(name=perm.name, module=item.module, description=perm.description))
    await session.flush()
    for item in new:
        for role in item.permission.default_roles:
            session.add(RolePermission(role=role, permission=item.permission.name))
    await session.flush()
    return [d.permission.name for d in new]
