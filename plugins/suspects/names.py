"""Name matching for the duplicate check: transliteration- and typo-tolerant.

Names are folded to ASCII (anyascii: Cyrillic, Arabic, Greek... to Latin), lower-cased, and
hyphens and apostrophes dropped, so `Al-Hassan`, `Al Hassan` and `Alhasan` compare closely. Each
part is compared by a phonetic key (metaphone, via jellyfish) and by edit similarity (rapidfuzz);
either is enough for a part to match. Candidates are found through stored phonetic keys of family
names (`suspects_name_key`), then scored here.

A name match needs both the family name and a given name to match: sharing a family name alone
(however common) is never a duplicate. Dates of birth must be compatible (a partial date matches
any date it contains); when either side has none, only near-identical names are flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz

from core.matching.names import PARTICLES, fold  # one folding for every matcher

PART_THRESHOLD = 85.0  # rapidfuzz ratio at or above which two name parts match
IDENTICAL_THRESHOLD = 95.0  # names this close match even without dates of birth


def _compact(tokens: Sequence[str]) -> str:
    return "".join(tokens)


def _without_particles(tokens: Sequence[str]) -> list[str]:
    rest = [t for t in tokens if t not in PARTICLES]
    return rest or list(tokens)


def _strip_particle_prefix(token: str) -> str:
    """`alhassan` -> `hassan`: joined Arabic articles are common in transliterations."""
    for prefix in ("al", "el", "ul"):
        if token.startswith(prefix) and len(token) > len(prefix) + 2:
            return token[len(prefix) :]
    return token


# Spellings that transliteration systems disagree on (`Khasan`/`Hasan`, `Qasim`/`Kasim`).
_SPELLINGS = (("kh", "h"), ("gh", "g"), ("dh", "d"), ("dj", "j"), ("zh", "j"), ("q", "k"))


MAX_KEY = 64  # suspects_name_key.key


def phonetic(token: str) -> str:
    for spelling, plain in _SPELLINGS:
        token = token.replace(spelling, plain)
    return jellyfish.metaphone(token) if token else ""


@dataclass(frozen=True)
class NameVariant:
    """One way a person is named: structured (family + given) or a free full name."""

    family: tuple[str, ...]  # folded tokens; for a free name, all its tokens
    given: tuple[str, ...] = ()
    structured: bool = True

    @classmethod
    def of(cls, family: str | None, given: str | None) -> NameVariant:
        return cls(tuple(fold(family).split()), tuple(fold(given).split()), True)

    @classmethod
    def free(cls, full_name: str | None) -> NameVariant:
        return cls(tuple(fold(full_name).split()), (), False)

    @property
    def empty(self) -> bool:
        return not self.family


def family_forms(tokens: Sequence[str]) -> set[str]:
    """The compared forms of a family name: joined, without particles, without a joined article."""
    if not tokens:
        return set()
    joined = _compact(tokens)
    bare = _compact(_without_particles(tokens))
    return {joined, bare, _strip_particle_prefix(bare)}


def name_keys(variants: Iterable[NameVariant]) -> set[str]:
    """Phonetic keys stored for lookup: of family names, and of every token of free names."""
    keys: set[str] = set()
    for variant in variants:
        if variant.structured:
            forms = family_forms(variant.family)
        else:
            tokens = [t for t in variant.family if t not in PARTICLES]
            forms = {f for t in tokens for f in (t, _strip_particle_prefix(t))}
            # a particle joined to the next token (`al hassan` -> `alhassan`) as well
            pairs = zip(variant.family, variant.family[1:], strict=False)
            forms |= {a + b for a, b in pairs if a in PARTICLES}
        keys |= {phonetic(f) for f in forms if len(f) >= 2}
    # Cut to the stored column's width: a 200-letter name has a longer key, and a key that
    # long identifies the name by its first 64 sounds anyway.
    return {k[:MAX_KEY] for k in keys if k}


def _part_score(a: set[str], b: set[str]) -> float:
    """Best similarity of two sets of forms of a name part; 100 when a phonetic key agrees."""
    if not a or not b:
        return 0.0
    if {phonetic(x) for x in a} & {phonetic(y) for y in b}:
        return 100.0
    return max(fuzz.ratio(x, y) for x in a for y in b)


def _given_score(a: Sequence[str], b: Sequence[str]) -> float:
    """Any given name of one side against any of the other (order of given names varies)."""
    if not a or not b:
        return 0.0
    return max(_part_score({x}, {y}) for x in a for y in b)


def _full(variant: NameVariant) -> list[str]:
    return [*variant.given, *variant.family]


def variant_score(a: NameVariant, b: NameVariant) -> float:
    """0-100: how likely two variants name the same person. Both family and given must match."""
    if a.empty or b.empty:
        return 0.0
    if a.structured and b.structured:
        family = _part_score(family_forms(a.family), family_forms(b.family))
        given = _given_score(a.given, b.given)
        if family < PART_THRESHOLD or given < PART_THRESHOLD:
            return 0.0
        exact = fuzz.token_sort_ratio(" ".join(_full(a)), " ".join(_full(b)))
        return min(family, given) * 0.5 + exact * 0.5
    # A free name (alias, transliteration) against anything: at least two tokens on each side
    # must pair up, so a lone common family name never matches.
    left = [t for t in _full(a) if t not in PARTICLES]
    right = [t for t in _full(b) if t not in PARTICLES]
    if len(left) < 2 or len(right) < 2:
        return 0.0
    paired = 0
    remaining = list(right)
    for token in left:
        best = max(remaining, key=lambda r: _part_score({token}, {r}), default=None)
        if best is not None and _part_score({token}, {best}) >= PART_THRESHOLD:
            paired += 1
            remaining.remove(best)
    if paired < min(len(left), len(right), 2) or paired < 2:
        return 0.0
    exact = fuzz.token_sort_ratio(" ".join(left), " ".join(right))
    return 85.0 * 0.5 + exact * 0.5


@dataclass(frozen=True)
class BirthDate:
    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def known(self) -> bool:
        return self.year is not None


def dates_compatible(a: BirthDate, b: BirthDate) -> bool:
    """Each part given on both sides must agree; a partial date matches the dates it contains."""
    return all(
        x is None or y is None or x == y
        for x, y in ((a.year, b.year), (a.month, b.month), (a.day, b.day))
    )


def person_score(
    a_names: Sequence[NameVariant],
    a_birth: BirthDate,
    b_names: Sequence[NameVariant],
    b_birth: BirthDate,
) -> float:
    """0 when not a possible duplicate by name and date of birth, else the best name score."""
    if not dates_compatible(a_birth, b_birth):
        return 0.0
    best = max((variant_score(x, y) for x in a_names for y in b_names), default=0.0)
    if best == 0.0:
        return 0.0
    if not (a_birth.known and b_birth.known) and best < IDENTICAL_THRESHOLD:
        return 0.0
    return round(best, 1)
