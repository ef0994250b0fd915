"""The blocking keys of records, stored (`intelligence_match_key`) so that `matches(id)` finds
a record's candidates in any database with one indexed query, and matches stored by `ncen
xref`: both go with a deleted or erased record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.matching import Profile
from core.matching.index import STRONG, keys_of
from plugins.intelligence.models import Match, MatchKey

MAX_KEY = 160
CHUNK = 500


def stored_keys(profile: Profile) -> dict[str, int]:
    """The keys of a profile as stored: cut to the column's width (and so merged)."""
    return {key[:MAX_KEY]: weight for key, weight in keys_of(profile).items()}


def rows_of(profiles: Iterable[Profile]) -> list[dict[str, object]]:
    return [
        {"entity_type": p.entity_type, "entity_id": p.id, "key": key, "weight": weight}
        for p in profiles
        for key, weight in stored_keys(p).items()
    ]


async def replace(session: AsyncSession, profiles: Sequence[Profile]) -> None:
    """The keys of these records become those of their current profiles; records whose keys
    did not change (most updates touch no name or identifier) are left as they are."""
    wanted = {p.ref: stored_keys(p) for p in profiles}
    refs = sorted(wanted)
    stored: dict[tuple[str, str], dict[str, int]] = {}
    for start in range(0, len(refs), CHUNK):
        chunk = refs[start : start + CHUNK]
        rows = await session.execute(
            select(MatchKey.entity_type, MatchKey.entity_id, MatchKey.key, MatchKey.weight).where(
                tuple_(MatchKey.entity_type, MatchKey.entity_id).in_(chunk)
            )
        )
        for entity_type, entity_id, key, weight in rows:
            stored.setdefault((entity_type, entity_id), {})[key] = weight
    changed = [ref for ref in refs if stored.get(ref, {}) != wanted[ref]]
    stale = [ref for ref in changed if ref in stored]
    for start in range(0, len(stale), CHUNK):
        await session.execute(
            delete(MatchKey).where(
                tuple_(MatchKey.entity_type, MatchKey.entity_id).in_(stale[start : start + CHUNK])
            )
        )
    rows = [
        {"entity_type": t, "entity_id": i, "key": key, "weight": weight}
        for t, i in changed
        for key, weight in wanted[(t, i)].items()
    ]
    # A Core INSERT (one executemany): the ORM's bulk path costs more than the write itself.
    table = MatchKey.__table__
    for start in range(0, len(rows), 5000):
        await session.execute(insert(table), rows[start : start + 5000])


async def forget(session: AsyncSession, entity_type: str, entity_id: str) -> None:
    await session.execute(
        delete(MatchKey).where(MatchKey.entity_type == entity_type, MatchKey.entity_id == entity_id)
    )
    await session.execute(
        delete(Match).where(
            or_(
                (Match.left_type == entity_type) & (Match.left_id == entity_id),
                (Match.right_type == entity_type) & (Match.right_id == entity_id),
            )
        )
    )


async def candidates(
    session: AsyncSession, profile: Profile, limit: int
) -> list[tuple[str, str, int]]:
    """(entity type, id, shared key weight) of the records sharing most keys with `profile`,
    leaving out keys too common to tell anything (names, route countries...) when the record
    has better ones, and the record itself."""
    mine = keys_of(profile)
    if not mine:
        return []
    needed = STRONG if profile.schema == "seizure" or len(mine) >= 2 else 1
    shared = func.sum(MatchKey.weight)
    query = (
        select(MatchKey.entity_type, MatchKey.entity_id, shared)
        .where(MatchKey.key.in_([k[:MAX_KEY] for k in mine]))
        .where(
            ~((MatchKey.entity_type == profile.entity_type) & (MatchKey.entity_id == profile.id))
        )
        .group_by(MatchKey.entity_type, MatchKey.entity_id)
        .having(shared >= needed)
        .order_by(shared.desc(), MatchKey.entity_type, MatchKey.entity_id)
        .limit(limit)
    )
    return [(t, i, int(w)) for t, i, w in (await session.execute(query)).all()]
