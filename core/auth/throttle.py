"""Login throttling whose state lives in the database (shared by all processes), counted per
account *and source*, so that a remote attacker cannot lock a colleague out.

Three counters are kept for each attempt, one row each in `core_login_throttle`:

- **account at source** (`p:`): `login_free_attempts` evaluations, then a doubling delay
  (`login_base_delay` … `login_max_delay`), locked for `login_lockout_minutes` after
  `login_lockout_threshold` failures. Guessing one password from one place stops here, and
  only that place is locked out: the account's owner, elsewhere, still signs in.
- **source** (`s:`, the client's address): `login_source_free_attempts` failures across all
  accounts, then a doubling delay (never a lock, so a shared office address is not shut out):
  spraying one password over many accounts stops here.
- **account** (`u:`): locked only after `login_account_lockout_threshold` failures from all
  sources together, which takes that many sources' worth of locks: a distributed attack.

An attempt is *counted before the password is checked*: a reservation increments all three in
one short write transaction (rows locked on PostgreSQL, BEGIN IMMEDIATE on SQLite), or refuses
it if any is delayed or locked. So parallel requests cannot all slip in before the first failure
is written. A success clears the three; an administrator can unlock an account (`unlock`).
Unknown usernames are throttled the same way, so the answers never tell whether an account
exists. Rows are forgotten once idle for `forget_after` (at least a day), so names tried once do
not pile up; `login` sweeps them at most hourly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import LoginThrottle
from core.config import AuthSettings
from core.db import Database, rowcount, utcnow

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.auth")
SWEEP_INTERVAL = 3600.0  # seconds between two sweeps of one instance
NEXT_SWEEP_KEY = "core.auth.throttle.next_sweep"  # key in instance.state
UNKNOWN_SOURCE = "unknown"


def throttle_key(username: str) -> str:
    """The account as counted: normalised as usernames are (unknown names alike)."""
    return username.strip().casefold()[:62]


def account_key(username: str) -> str:
    return "u:" + throttle_key(username)


def source_key(source: str) -> str:
    return "s:" + source[:62]


def _pair_prefix(username: str) -> str:
    # A digest keeps the key within its column whatever the name and address lengths.
    return "p:" + hashlib.sha256(throttle_key(username).encode()).hexdigest()[:16] + ":"


def pair_key(username: str, source: str) -> str:
    return _pair_prefix(username) + source[:45]


@dataclass(frozen=True)
class Counter:
    """One of an attempt's counters: `free` failures before delays, locked at `lock_after`."""

    key: str
    free: int
    lock_after: int | None


def counters(settings: AuthSettings, username: str, source: str) -> list[Counter]:
    return [
        Counter(
            pair_key(username, source),
            settings.login_free_attempts,
            settings.login_lockout_threshold,
        ),
        Counter(source_key(source), settings.login_source_free_attempts, None),
        Counter(
            account_key(username),
            settings.login_account_lockout_threshold,
            settings.login_account_lockout_threshold,
        ),
    ]


def _delay(settings: AuthSettings, failures: int, free: int) -> float:
    if failures < free:
        return 0.0
    exponent = min(failures - free, 30)
    return min(settings.login_base_delay * (2**exponent), settings.login_max_delay)


async def reserve_attempt(
    db: Database, settings: AuthSettings, username: str, source: str = UNKNOWN_SOURCE
) -> float | None:
    """None when this attempt may check the password; else the seconds the caller must wait."""
    wanted = sorted(counters(settings, username, source), key=lambda c: c.key)
    now = utcnow()
    async with db.transaction() as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for counter in wanted:  # in key order, so that two attempts never deadlock
            await session.execute(
                insert(LoginThrottle)
                .values(username=counter.key, failures=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["username"])
            )
        rows = {
            row.username: row
            for row in (
                await session.scalars(
                    select(LoginThrottle)
                    .where(LoginThrottle.username.in_([c.key for c in wanted]))
                    .order_by(LoginThrottle.username)
                    .with_for_update()
                )
            ).all()
        }
        waits = [
            max((until - now).total_seconds(), 0.001)
            for row in rows.values()
            for until in (row.locked_until, row.next_attempt_at)
            if until is not None and until > now
        ]
        if waits:
            return max(waits)
        for counter in wanted:
            row = rows[counter.key]
            row.failures += 1
            delay = _delay(settings, row.failures, counter.free)
            row.next_attempt_at = now + dt.timedelta(seconds=delay) if delay else None
            if counter.lock_after is not None and row.failures >= counter.lock_after:
                row.locked_until = now + dt.timedelta(minutes=settings.login_lockout_minutes)
            row.updated_at = now
    return None


async def clear(session: AsyncSession, username: str, source: str = UNKNOWN_SOURCE) -> None:
    """Forget the failures of a successful login (of this account, from this source)."""
    keys = [c.key for c in counters(AuthSettings(), username, source)]
    await session.execute(delete(LoginThrottle).where(LoginThrottle.username.in_(keys)))


async def unlock(session: AsyncSession, username: str) -> int:
    """An administrator's unlock (or password reset): the account's counters, from every
    source, are forgotten. Returns how many rows went."""
    result = await session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.username == account_key(username),
                LoginThrottle.username.startswith(_pair_prefix(username), autoescape=True),
            )
        )
    )
    return rowcount(result)


def forget_after(settings: AuthSettings) -> dt.timedelta:
    """How long a row must stay untouched before it is forgotten. An attacker who comes back
    after that gets `login_lockout_threshold` attempts again: no more than a locked row would
    have allowed in the same time (one per `login_lockout_minutes`)."""
    lockouts = settings.login_lockout_threshold * settings.login_lockout_minutes
    return max(dt.timedelta(days=1), dt.timedelta(minutes=lockouts))


async def forget_stale(db: Database, settings: AuthSettings) -> int:
    """Delete the rows untouched for `forget_after` whose delay and lock have ended."""
    now = utcnow()
    async with db.transaction() as session:
        result = await session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.updated_at < now - forget_after(settings),
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                or_(LoginThrottle.next_attempt_at.is_(None), LoginThrottle.next_attempt_at <= now),
            )
        )
    return rowcount(result)


async def forget_stale_if_due(instance: Instance) -> None:
    """`forget_stale` at most once per `SWEEP_INTERVAL` per instance; never fails a login."""
    now = time.monotonic()
    if now < instance.state.get(NEXT_SWEEP_KEY, 0.0):
        return
    instance.state[NEXT_SWEEP_KEY] = now + SWEEP_INTERVAL
    try:
        count = await forget_stale(instance.db, instance.config.auth)
    except Exception:
        log.exception("forgetting stale login-throttle rows failed")
        return
    if count:
        log.info("forgot %d stale login-throttle row(s)", count)
