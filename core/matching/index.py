"""Blocking: finding the few profiles worth scoring against a query, without comparing every
pair. Each profile is filed under keys (identifiers, phonetic name keys, free-term tokens, and
for seizures concealment, HS heading and route countries); a query collects the profiles that
share keys with it and keeps those sharing enough.

An identifier or a term key is enough on its own; names need two shared keys when both sides
have two identifying tokens or more, so a common given name alone pulls in nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.matching.names import name_keys
from core.matching.profile import Profile

STRONG = 2  # weight of an identifier or term key: enough alone
DEFAULT_MAX_BLOCK = 5000  # keys filed under more profiles than this are too common to block on


def keys_of(profile: Profile, *, as_query: bool = False) -> dict[str, int]:
    """Blocking keys -> weight. A query's text yields term keys; an indexed profile's terms do."""
    keys: dict[str, int] = {}
    for identifier in profile.identifiers:
        keys[f"i:{identifier.family}:{identifier.key}"] = STRONG
    if profile.schema in ("person", "company", "conveyance"):
        company = profile.schema == "company"
        for name in profile.names:
            for key in name_keys(name.value, company=company):
                keys.setdefault(f"n:{profile.schema}:{key}", 1)
    if as_query:
        for token in set(profile.text.split()):
            keys[f"t:{token}"] = STRONG
        for name in profile.names:
            for token in name.value.lower().split():
                keys.setdefault(f"t:{token}", STRONG)
    else:
        for term in profile.terms:
            first = term.split()[0] if term.split() else ""
            if first:
                keys[f"t:{first}"] = STRONG
    if profile.schema == "seizure":
        if profile.concealment:
            keys[f"s:c:{profile.concealment}"] = 1
        for code in profile.hs_codes:
            keys[f"s:h:{code[:4]}"] = 1
        for country in set(profile.route):
            keys[f"s:r:{country}"] = 1
    return keys


def _needed(profile: Profile, keys: dict[str, int]) -> int:
    """Shared key weight needed to pair with this profile: two for seizures (one shared
    country is no reason) and for names of two tokens or more, else one."""
    if profile.schema == "seizure":
        return STRONG
    return STRONG if sum(1 for k in keys if k.startswith("n:")) >= 2 else 1


@dataclass
class _Entry:
    profile: Profile
    needed: int  # shared key weight a query needs to reach this profile


class CandidateIndex:
    """Profiles filed by blocking key, for screening (watch entries) and cross-referencing.

    Screening looks a thousand records a second up in an index of tens of thousands of entries,
    so a look-up counts shared keys with `Counter.update` over each key's block (a loop in C)
    rather than position by position in Python, and compares the counts with each profile's
    needed weight kept in a flat list."""

    def __init__(self, profiles: Iterable[Profile] = (), *, max_block: int = DEFAULT_MAX_BLOCK):
        self._entries: list[_Entry] = []
        self._needed: list[int] = []
        self._blocks: dict[str, list[int]] = {}
        self.max_block = max_block
        for profile in profiles:
            self.add(profile)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Profile]:
        return (e.profile for e in self._entries)

    def add(self, profile: Profile) -> None:
        keys = keys_of(profile)
        position = len(self._entries)
        needed = _needed(profile, keys)
        self._entries.append(_Entry(profile, needed))
        self._needed.append(needed)
        for key in keys:
            self._blocks.setdefault(key, []).append(position)

    def candidates(self, query: Profile, *, limit: int | None = None) -> list[Profile]:
        """Profiles sharing enough keys with `query`, most keys first (`limit` cuts the tail);
        never the query itself."""
        hits: Counter[int] = Counter()
        query_keys = keys_of(query, as_query=True)
        blocks = self._blocks
        for key, weight in query_keys.items():
            block = blocks.get(key)
            if not block:
                continue
            if weight < STRONG:
                if len(block) > self.max_block:
                    continue
                hits.update(block)
            else:
                for _ in range(weight):
                    hits.update(block)
        if not hits:
            return []
        query_needed = _needed(query, query_keys)
        needed = self._needed
        kept = [
            (p, weight)
            for p, weight in hits.items()
            if weight >= query_needed or weight >= needed[p]
        ]
        kept.sort(key=lambda pair: -pair[1])  # stable: ties stay in the order first counted
        entries = self._entries
        found = [entries[p].profile for p, _weight in kept]
        found = [p for p in found if p.ref != query.ref]
        return found[:limit] if limit is not None else found
