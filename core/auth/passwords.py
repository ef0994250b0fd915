"""Password hashing (Argon2id) and the password policy (NIST SP 800-63B style).

Policy: a minimum length, a maximum far above what people type (never truncated), no
composition rules, and a refusal of common or context-specific passwords.
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.config import AuthSettings
from core.gql.errors import InputError

BLOCKLIST_PATH = Path(__file__).parent / "common-passwords.txt"


def make_hasher(settings: AuthSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


class Passwords:
    """Hash, verify and rehash, off the event loop (Argon2 is deliberately slow)."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.hasher = make_hasher(settings)
        # Verified against when the account does not exist, so both cases cost the same.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, normalise(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(password_hash or self._dummy_hash, normalise(password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check) and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def check_policy(self, password: str, *, context: tuple[str, ...] = ()) -> None:
        """Raise InputError (field `password`) when the password may not be used."""
        check_policy(password, self.settings, context=context)


def normalise(password: str) -> str:
    """NFKC, so the same password typed on two keyboards or systems gives the same hash."""
    return unicodedata.normalize("NFKC", password)


@cache
def blocklist() -> frozenset[str]:
    lines = BLOCKLIST_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def check_policy(password: str, settings: AuthSettings, *, context: tuple[str, ...] = ()) -> None:
    value = normalise(password)
    if len(value) < settings.password_min_length:
        raise InputError(
            f"the password must have at least {settings.password_min_length} characters",
            field="password",
        )
    if len(value) > settings.password_max_length:
        raise InputError(
            f"the password must have at most {settings.password_max_length} characters",
            field="password",
        )
    folded = value.casefold()
    if folded in blocklist() or len(set(folded)) < 4:
        raise InputError("this password is too common or too easy to guess", field="password")
    for word in context:
        if word and len(word) >= 4 and word.casefold() in folded:
            raise InputError(
                "the password must not contain the username or the name of the service",
                field="password",
            )


def generate_password() -> str:
    """A random password for temporary or generated accounts (about 120 bits)."""
    return secrets.token_urlsafe(15) + "-" + secrets.token_urlsafe(6)
