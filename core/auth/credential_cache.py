"""Verified credentials kept in memory for a short time, so that a request's bearer token is
checked without a database round trip, while logout, revocation, role and permission changes,
password changes and deactivation still take effect at once, in every process.

- Only *valid* credentials are cached (an unknown or refused token always goes to the
  database), keyed by the token's hash, for at most `auth.credential_cache_seconds`.
  Expiry and idle timeout are checked again on every hit, from the cached times.
- The cache empties itself whenever the accounts tables change (`core/table_watch.py`: a
  committed write to users, roles, permissions, sessions or tokens, in this process or another,
  but not the statements that only record when a credential was used, `TOUCH`). While changes
  by other processes could go unseen (PostgreSQL without its listening connection), every
  request goes to the database.

Auth changes are rare next to requests, so emptying everything is simpler than tracking which
credential a change touches, and costs one database read per live credential afterwards.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.auth.principal import UserPrincipal
from core.table_watch import QUIET, Watch, watch

if TYPE_CHECKING:
    from core.db import Database

CACHE_KEY = "core.auth.credential_cache"  # in Database.session_info
# Execution option of statements that only record that a credential was used.
TOUCH = QUIET
# As `execution_options=` of such a statement (typed Any: SQLAlchemy's type of execution options
# knows only its own keys).
TOUCHING: Any = {TOUCH: True}
MAX_ENTRIES = 10_000

AUTH_TABLES = (
    "core_user",
    "core_session",
    "core_api_token",
    "core_user_role",
    "core_role_permission",
    "core_role",
    "core_permission",
)


@dataclass
class Entry:
    """A verified credential: the principal and the times that are checked on every hit."""

    principal: UserPrincipal
    kind: Literal["session", "token"]
    row_id: int
    expires_at: dt.datetime
    last_used: dt.datetime | None  # session last_seen_at or token last_used_at
    stored_at: float  # time.monotonic()


class CredentialCache:
    """The cache of one instance (kept in its database's `session_info`)."""

    def __init__(self, ttl_seconds: float, changes: Watch) -> None:
        self.ttl = ttl_seconds
        self.changes = changes
        self._entries: dict[str, Entry] = {}
        self._generation: int | None = changes.check()

    def usable(self) -> bool:
        """Whether cached entries may be served now (emptying the cache if the accounts
        changed since it was filled)."""
        if self.ttl <= 0:
            return False
        generation = self.changes.check()
        if generation is None:
            return False
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation
        return True

    @property
    def generation(self) -> int:
        """Give it to `put` with an entry read from the database after this call."""
        return self.changes.generation

    def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry.stored_at >= self.ttl:
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, entry: Entry, generation: int) -> None:
        """Keep `entry`, read from the database when `generation` was current: if the accounts
        changed since, the read may predate the change and is not kept."""
        if generation != self.changes.generation or generation != self._generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            # Oldest first (dicts keep insertion order): a bounded cache, not an LRU.
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = entry

    def __len__(self) -> int:
        return len(self._entries)


def attach_credential_cache(db: Database, ttl_seconds: float) -> CredentialCache:
    """Give `db` a credential cache, emptied when the accounts tables change."""
    changes = watch(
        db,
        "credentials",
        AUTH_TABLES,
        # A new session or token is not in the cache yet; these columns only record use.
        harmless_inserts=("core_session", "core_api_token"),
        harmless_columns=(
            "last_seen_at",
            "last_used_at",
            "last_login_at",
            "password_hash",
            "updated_at",
        ),
    )
    cache = CredentialCache(ttl_seconds, changes)
    db.session_info[CACHE_KEY] = cache
    return cache


def cache_of(db: Database) -> CredentialCache | None:
    return db.session_info.get(CACHE_KEY)
