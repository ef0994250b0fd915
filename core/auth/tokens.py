"""Opaque bearer secrets: random, prefixed by kind, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "ncs_"
API_TOKEN_PREFIX = "nct_"


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex: enough for 256-bit random secrets (no dictionary to attack, unlike passwords)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
