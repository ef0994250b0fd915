"""Candidates for one record across the databases (`matches(id)`): the records sharing blocking
keys with it (stored by screening and `ncen xref`), read as the caller may see them, scored
with their explanation, best first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.matching import MatchResult, Profile, compare
from core.record_ids import record_id
from core.records.lifecycle import read_many
from core.records.registry import record_registry
from plugins.intelligence import keys, settings

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

SCANNED = 4  # candidates read per match asked for: some are not visible or score nothing


@dataclass
class Candidate:
    profile: Profile
    module: str
    result: MatchResult


async def matches_of(
    instance: Instance, principal: Principal, entity_type: str, entity_id: str, first: int
) -> list[Candidate] | None:
    """Best candidates first; None when the record is not there for the caller."""
    registry = record_registry(instance)
    rt = registry.get(entity_type)
    number = record_id(entity_id)
    if rt is None or number is None:
        return None
    weights = settings.weights(instance)
    async with instance.db.session() as session:
        [row] = await read_many(session, rt, [number], principal)
        if row is None or rt.entity_type_of(row) != entity_type:
            return None
        profile = rt.match_profile(row)
        if profile is None or profile.empty:
            return []
        found = await keys.candidates(session, profile, max(first * SCANNED, 20))
        by_type: dict[str, list[int]] = {}
        for other_type, other_id, _weight in found:
            number = record_id(other_id)
            if number is not None:
                by_type.setdefault(other_type, []).append(number)
        scored: list[Candidate] = []
        for other_type, numbers in by_type.items():
            other_rt = registry.get(other_type)
            if other_rt is None:
                continue  # a disabled module's records stay out
            rows: list[Any] = await read_many(session, other_rt, numbers, principal)
            for other in rows:
                if other is None or other_rt.entity_type_of(other) != other_type:
                    continue
                candidate = other_rt.match_profile(other)
                if candidate is None:
                    continue
                result = compare(profile, candidate, weights)
                if result.score > 0 and any(f.contribution > 0 for f in result.features):
                    scored.append(Candidate(candidate, other_rt.module, result))
    scored.sort(key=lambda c: (-c.result.score, c.profile.entity_type, c.profile.id))
    return scored[:first]
