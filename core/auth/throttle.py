"""Per-account login throttling whose state lives in the database (shared by all processes).

An attempt is *counted before the password is checked*: a reservation increments the failure
counter in its own short write transaction (row-locked on PostgreSQL, BEGIN IMMEDIATE on
SQLite) and a success resets it. So parallel requests cannot all slip in before the first
failure is written: a burst gets exactly `login_free_attempts` evaluations, then each further
attempt must wait a doubling delay, and after `login_lockout_threshold` failures the account
is locked for `login_lockout_minutes`. Unknown usernames are throttled the same way, so the
answers never tell whether an account exists.

Rows are forgotten once idle for `forget_after` (at least a day), so names tried once, by
mistake or by a password sprayer, do not pile up for ever; `login` sweeps them at most hourly.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import LoginThrottle
from core.config import AuthSettings
from core.db import Database, utcnow

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.auth")
SWEEP_INTERVAL = 3600.0  # seconds between two sweeps of one instance
NEXT_SWEEP_KEY = "core.auth.throttle.next_sweep"  # key in instance.state


def throttle_key(username: str) -> str:
    return username.strip().casefold()[:64]


def _delay(settings: AuthSettings, failures: int) -> float:
    if failures < settings.login_free_attempts:
        return 0.0
    exponent = min(failures - settings.login_free_attempts, 30)
    return min(settings.login_base_delay * (2**exponent), settings.login_max_delay)


async def reserve_attempt(db: Database, settings: AuthSettings, username: str) -> float | None:
    """None when this attempt may check the password; else the seconds the caller must wait."""
    key = throttle_key(username)
    now = utcnow()
    async with db.transaction() as session:
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(LoginThrottle)
            .values(username=key, failures=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["username"])
        )
        row = (
            await session.scalars(
                select(LoginThrottle).where(LoginThrottle.username == key).with_for_update()
            )
        ).one()
        for until in (row.locked_until, row.next_attempt_at):
            if until is not None and until > now:
                return max((until - now).total_seconds(), 0.001)
        row.failures += 1
        delay = _delay(settings, row.failures)
        row.next_attempt_at = now + dt.timedelta(seconds=delay) if delay else None
        if row.failures >= settings.login_lockout_threshold:
            row.locked_until = now + dt.timedelta(minutes=settings.login_lockout_minutes)
        row.updated_at = now
    return None


async def clear(session: AsyncSession, username: str) -> None:
    """Forget failures after a successful login or an administrator's password reset."""
    await session.execute(
        delete(LoginThrottle).where(LoginThrottle.username == throttle_key(username))
    )


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
    return result.rowcount or 0


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
