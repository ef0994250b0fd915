"""Accounts, roles and permissions, sessions and API tokens.

What modules use:
- `Permission(...)` returned from the `register_permissions` hook;
- `requires("<module>.<perm>")`, `authenticated()`, `signed_in()`, `public()` as strawberry field extensions;
- `info.context.principal` (`can(permission)`, and `UserPrincipal` for the user behind it).
"""

from core.auth.guard import authenticated, public, requires, signed_in
from core.auth.permissions import Permission
from core.auth.principal import RejectedCredentials, UserPrincipal

__all__ = [
    "Permission",
    "RejectedCredentials",
    "UserPrincipal",
    "authenticated",
    "public",
    "requires",
    "signed_in",
]
