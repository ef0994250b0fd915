"""Case references `<country>-<year>-<sequence>`: unique per instance and never reused.

The counter row is created or incremented with one upsert (INSERT ... ON CONFLICT DO UPDATE
... RETURNING) inside the caller's transaction, so concurrent writers serialise on that row
(PostgreSQL) or on the write lock (SQLite); a rolled-back transaction gives its number back only
if nothing committed after it, and a committed number is never handed out again, even when its
case is deleted.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.seizures.models import ReferenceSequence


async def next_reference(session: AsyncSession, country: str, year: int) -> str:
    return (await reserve_references(session, country, year, 1))[0]


async def reserve_references(
    session: AsyncSession, country: str, year: int, count: int
) -> list[str]:
    """Hand out `count` consecutive references in one statement (bulk loads, demo data)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ReferenceSequence).values(country=country, year=year, last=count)
    number = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=["country", "year"],
            set_={"last": ReferenceSequence.last + count},
        ).returning(ReferenceSequence.last)
    )
    return [format_reference(country, year, n) for n in range(number - count + 1, number + 1)]


def format_reference(country: str, year: int, number: int) -> str:
    return f"{country}-{year}-{number:06d}"
