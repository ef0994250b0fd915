"""The one way to protect a GraphQL field, and the registry that tells protected from forgotten.

Every root field carries exactly one rule, as a strawberry field extension:

    @strawberry.field(extensions=[requires("seizures.view")])
    @strawberry.field(extensions=[authenticated()])   # any signed-in user session
    @strawberry.field(extensions=[signed_in()])       # a session or an API token
    @strawberry.field(extensions=[public()])          # anonymous callers too

`classify(field)` reads the rule back from a built schema; the authorisation matrix test fails
for any root field without one.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from core.auth.principal import RejectedCredentials, UserPrincipal
from core.gql.errors import PermissionDeniedError, UnauthenticatedError


class Rule(BasePermission):
    """Base of ncen's access rules; `has_permission` raises the client-facing error itself."""

    kind = "rule"
    permission: str | None = None

    def allows(self, principal: Any) -> bool:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if self.allows(principal):
            return True
        if not principal.is_authenticated:
            reason = principal.reason if isinstance(principal, RejectedCredentials) else None
            details = {"reason": reason} if reason else {}
            raise UnauthenticatedError(reason or "sign in first", **details)
        if isinstance(principal, UserPrincipal) and principal.must_change_password:
            raise PermissionDeniedError(
                "change your temporary password first", code="PASSWORD_CHANGE_REQUIRED"
            )
        raise PermissionDeniedError(
            "you do not have the permission to do this", permission=self.permission
        )

    def describe(self) -> str:
        return self.kind


class Public(Rule):
    kind = "public"

    def allows(self, principal: Any) -> bool:
        return True


class Authenticated(Rule):
    """A signed-in user through a session (not an API token), even with a temporary password."""

    kind = "authenticated"

    def allows(self, principal: Any) -> bool:
        return isinstance(principal, UserPrincipal) and principal.via == "session"


class SignedIn(Rule):
    """Any valid credential, a user session or an API token, whose account may act.

    For fields that answer each caller with what its permissions let it see (`search`,
    `node`): without a credential they say UNAUTHENTICATED rather than an empty answer that a
    client cannot tell from "nothing matches".
    """

    kind = "signed in"

    def allows(self, principal: Any) -> bool:
        return principal.is_authenticated and not getattr(principal, "must_change_password", False)


class Requires(Rule):
    kind = "permission"

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def allows(self, principal: Any) -> bool:
        return principal.can(self.permission)

    def describe(self) -> str:
        return f"permission {self.permission}"


def _extension(rule: Rule) -> FieldExtension:
    return PermissionExtension(permissions=[rule], use_directives=False)


def requires(permission: str) -> FieldExtension:
    """The field needs `permission` (e.g. `seizures.view`)."""
    return _extension(Requires(permission))


def authenticated() -> FieldExtension:
    """The field needs a signed-in user session; no particular permission."""
    return _extension(Authenticated())


def signed_in() -> FieldExtension:
    """The field needs a credential (session or API token); what it shows depends on the
    caller's permissions."""
    return _extension(SignedIn())


def public() -> FieldExtension:
    """The field is deliberately open to anonymous callers."""
    return _extension(Public())


def classify(parent: str, field: StrawberryField) -> Rule | None:
    """The access rule of a root field, or None when nobody classified it."""
    rules = [
        perm
        for ext in field.extensions
        if isinstance(ext, PermissionExtension)
        for perm in ext.permissions
        if isinstance(perm, Rule)
    ]
    # None rules means nobody classified the field; two rules on one field are ambiguous.
    return rules[0] if len(rules) == 1 else None


def root_fields(schema: Any) -> list[tuple[str, str, StrawberryField]]:
    """(`Query`|`Mutation`, GraphQL name, field) for every root field of a strawberry schema."""
    found = []
    for parent in ("Query", "Mutation"):
        definition = schema.get_type_by_name(parent)
        if definition is None:
            continue
        for field in definition.fields:
            name = schema.config.name_converter.get_graphql_name(field)
            found.append((parent, name, field))
    return found


def unclassified_fields(schema: Any) -> list[str]:
    return [
        f"{parent}.{name}"
        for parent, name, field in root_fields(schema)
        if classify(parent, field) is None
    ]
