"""Checking the codes a record stores against their lists, for module services.

    await validate(session, "countries", value, field="placeCountry")
    await validate_many(session, [CodeCheck("countries", c, "placeCountry"),
                                  CodeCheck("currencies", cur, "currency")])

`validate_many` costs one query for all the codes not seen before in this session: answers are
cached in `session.info`, so a request (one session) never asks twice for the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.codelists.models import CodeList, CodeListEntry
from core.gql.errors import InputError

_CACHE_KEY = "ncen.codelists.validity"
Validity = tuple[dt.date | None, dt.date | None] | None  # None: not a code of the list


class CodeCheck(NamedTuple):
    """A code to check: its list, its value, the input path its error names. A tuple: a
    record's input carries tens of codes, and an import checks them for every row."""

    list: str
    value: str | None
    field: str


# One statement whatever the lists and codes asked for, built and compiled once (building a
# statement per call cost more than running it); both INs use the unique indexes.
_VALIDITY = (
    sa.select(CodeList.name, CodeListEntry.code, CodeListEntry.valid_from, CodeListEntry.valid_to)
    .join(CodeList, CodeList.id == CodeListEntry.list_id)
    .where(
        CodeList.name.in_(sa.bindparam("names", expanding=True)),
        CodeListEntry.code.in_(sa.bindparam("codes", expanding=True)),
    )
)


def _cache(session: AsyncSession) -> dict[tuple[str, str], Validity]:
    return session.info.setdefault(_CACHE_KEY, {})


async def _load(session: AsyncSession, keys: set[tuple[str, str]]) -> None:
    cache = _cache(session)
    missing = {key for key in keys if key not in cache}
    if not missing:
        return
    for key in missing:
        cache[key] = None
    names = sorted({name for name, _ in missing})
    codes = sorted({code for _, code in missing})
    result = await session.execute(_VALIDITY, {"names": names, "codes": codes})
    for name, code, valid_from, valid_to in result:
        if (name, code) in missing:  # the query answers every list x code pair
            cache[(name, code)] = (valid_from, valid_to)


def _error(check: CodeCheck, validity: Validity, day: dt.date) -> InputError | None:
    if validity is None:
        return InputError(
            f"{check.value!r} is not a code of the list {check.list!r}",
            code="UNKNOWN_CODE",
            field=check.field,
            list=check.list,
        )
    valid_from, valid_to = validity
    if (valid_from and day < valid_from) or (valid_to and valid_to < day):
        return InputError(
            f"{check.value!r} of the list {check.list!r} is not valid on {day.isoformat()}",
            code="EXPIRED_CODE",
            field=check.field,
            list=check.list,
        )
    return None


async def validate_many(
    session: AsyncSession, checks: Iterable[CodeCheck], *, on: dt.date | None = None
) -> None:
    """Raise InputError for the first check whose value is not a code valid on `on` (today).

    `None` values are skipped: whether a field is required is the caller's rule.
    """
    day = on or dt.date.today()
    checks = [c for c in checks if c.value is not None]
    cache = _cache(session)
    missing = {(c.list, c.value) for c in checks if (c.list, c.value) not in cache}
    if missing:  # once per code a session meets: a batch of records asks the database rarely
        await _load(session, missing)  # type: ignore[arg-type]  # None values were filtered out above
    for check in checks:
        validity = cache[(check.list, check.value)]  # type: ignore[index]  # likewise
        if validity is not None:
            valid_from, valid_to = validity
            if (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to):
                continue
        error = _error(check, validity, day)
        if error is not None:
            raise error


async def validate(
    session: AsyncSession,
    list_name: str,
    value: str | None,
    *,
    field: str,
    on: dt.date | None = None,
) -> str | None:
    """Check one code and hand it back, so a service can write `x = await validate(...)`."""
    await validate_many(session, [CodeCheck(list_name, value, field)], on=on)
    return value


def forget(session: AsyncSession) -> None:
    """Drop the session's cache after changing entries in it."""
    session.info.pop(_CACHE_KEY, None)
