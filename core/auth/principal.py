"""Who is calling: a user (through a session or an API token), or someone refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class UserPrincipal:
    """An authenticated user. Through an API token, `permissions` are the token's scopes
    intersected with the user's current permissions."""

    user_id: int
    username: str
    permissions: frozenset[str]
    via: Literal["session", "token"] = "session"
    credential_id: int = 0  # core_session.id or core_api_token.id
    must_change_password: bool = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def can(self, permission: str) -> bool:
        # Until a temporary password is replaced, the account can do nothing but change it.
        return not self.must_change_password and permission in self.permissions


@dataclass(frozen=True)
class RejectedCredentials:
    """A bearer credential was sent but is unknown, expired or revoked: treated as anonymous,
    with the reason kept so that protected fields can say why."""

    reason: str

    @property
    def is_authenticated(self) -> bool:
        return False

    def can(self, permission: str) -> bool:
        return False
