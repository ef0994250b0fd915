"""Cross-referencing a whole database (`ncen xref MODULE`): every record of the module is
compared with the records of every database (its own included) that share blocking keys with
it, and the pairs that match are stored with their explanation (`intelligence_match`,
`xrefMatches` in GraphQL). The run also rebuilds the stored blocking keys of every record it
reads, which `matches(id)` uses: run it once after enabling the module on existing data.

Records are read as the system in chunks of ids, turned into profiles by their record types,
filed in one in-memory `CandidateIndex`, then each record of the module is scored against its
few candidates only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from core.db import utcnow
from core.matching import CandidateIndex, Profile, compare
from core.matching.rows import plain_rows
from core.records.declaration import RecordType
from core.records.registry import record_registry
from plugins.intelligence import keys, settings
from plugins.intelligence.models import Match, MatchKey

if TYPE_CHECKING:
    from core.instance import Instance

CHUNK = 1000
Progress = Callable[[str, int, int | None], None]  # (stage, advanced by, total when known)


@dataclass
class XrefReport:
    module: str
    records: int  # records of the module cross-referenced
    indexed: int  # records of every database read and indexed
    matches: int
    seconds: float


def matchable_types(instance: Instance) -> list[RecordType[Any, Any]]:
    """Record types that declare a match profile."""
    return [
        rt
        for rt in record_registry(instance)
        if type(rt).match_profile is not RecordType.match_profile
    ]


async def _profiles(
    instance: Instance, rt: RecordType[Any, Any], progress: Progress | None
) -> list[Profile]:
    model: Any = rt.model
    found: list[Profile] = []
    last = 0
    async with instance.db.session() as session:
        if progress is not None:
            total = await session.scalar(select(func.count()).select_from(model))
            progress(f"read {rt.name}", 0, int(total or 0))
        while True:
            ids = list(
                await session.scalars(
                    select(model.id).where(model.id > last).order_by(model.id).limit(CHUNK)
                )
            )
            if not ids:
                break
            for row in await plain_rows(session, model, ids, rt.match_children):
                profile = rt.match_profile(row)
                if profile is not None and not profile.empty:
                    found.append(profile)
            last = ids[-1]
            if progress is not None:
                progress(f"read {rt.name}", len(ids), None)
    return found


async def xref(instance: Instance, module: str, progress: Progress | None = None) -> XrefReport:
    started = time.perf_counter()
    if module not in instance.module_names:
        raise ValueError(f"module {module!r} is not enabled")
    types = matchable_types(instance)
    mine_types = [rt for rt in types if rt.module == module]
    if not mine_types:
        raise ValueError(f"module {module!r} has no record type that can be matched")
    weights = settings.weights(instance)
    limit = settings.max_candidates(instance)
    permission: dict[str, str] = {}
    index = CandidateIndex()
    mine: list[Profile] = []
    module_of: dict[str, str] = {}
    for rt in types:
        for profile in await _profiles(instance, rt, progress):
            index.add(profile)
            permission[profile.entity_type] = rt.view_permission
            module_of[profile.entity_type] = rt.module
            if rt.module == module:
                mine.append(profile)
    if progress is not None:
        progress("compare", 0, len(mine))
    pairs: dict[tuple[tuple[str, str], tuple[str, str]], dict[str, Any]] = {}
    now = utcnow()
    for n, profile in enumerate(mine, 1):
        for candidate in index.candidates(profile, limit=limit):
            own = module_of.get(candidate.entity_type) == module
            left, right = (
                (profile, candidate)
                if not own or profile.ref < candidate.ref
                else (candidate, profile)
            )
            pair = (left.ref, right.ref)
            if pair in pairs:
                continue
            result = compare(left, right, weights)
            if not result.is_match:
                continue
            pairs[pair] = {
                "module": module,
                "left_type": left.entity_type,
                "left_id": left.id,
                "right_type": right.entity_type,
                "right_id": right.id,
                "left_permission": permission[left.entity_type],
                "right_permission": permission[right.entity_type],
                "score": result.score,
                "features": [f.to_json() for f in result.features],
                "created_at": now,
            }
        if progress is not None and n % 500 == 0:
            progress("compare", 500, None)
    if progress is not None:
        progress("compare", len(mine) % 500, None)
    async with instance.db.transaction() as session:
        await session.execute(delete(MatchKey))
        rows = keys.rows_of(index)
        for start in range(0, len(rows), 5000):
            await session.execute(insert(MatchKey), rows[start : start + 5000])
        await session.execute(delete(Match).where(Match.module == module))
        values = list(pairs.values())
        for start in range(0, len(values), 2000):
            await session.execute(insert(Match), values[start : start + 2000])
    return XrefReport(module, len(mine), len(index), len(pairs), time.perf_counter() - started)
