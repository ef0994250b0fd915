"""What a record looks like to a matcher: its names, identifiers, dates and, for seizures, the
route, concealment and goods. Each value keeps the field it came from, so an explanation can say
*which* field of the record matched.

A profile holds record values (often personal data): it lives in memory while a screening or a
cross-reference runs, and what is stored of it (alerts, matches) is tagged nominal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.matching.identifiers import identifier_key
from core.matching.names import fold

SCHEMAS = ("person", "company", "conveyance", "seizure", "term")


@dataclass(frozen=True)
class Name:
    value: str
    field: str  # e.g. `familyName`, `aliases[1]`


@dataclass(frozen=True)
class Identifier:
    family: str  # core.matching.identifiers.FAMILIES
    key: str  # normalised, compared
    value: str  # as typed, shown in explanations
    field: str

    @classmethod
    def of(cls, family: str, value: str | None, field: str) -> Identifier | None:
        key = identifier_key(family, value)
        return cls(family, key, value.strip(), field) if key and value else None


@dataclass(frozen=True)
class BirthDate:
    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def known(self) -> bool:
        return self.year is not None

    def compatible(self, other: BirthDate) -> bool:
        """Each part given on both sides agrees: a partial date matches the dates it contains."""
        return all(
            x is None or y is None or x == y
            for x, y in (
                (self.year, other.year),
                (self.month, other.month),
                (self.day, other.day),
            )
        )

    def __str__(self) -> str:
        parts = [f"{self.year:04d}" if self.year else "????"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @classmethod
    def parse(cls, text: str | None) -> BirthDate | None:
        """`1980`, `1980-04` or `1980-04-12`; ValueError for anything else."""
        if not text or not text.strip():
            return None
        parts = text.strip().split("-")
        if len(parts) > 3 or not all(p.isdigit() for p in parts):
            raise ValueError("a date of birth is YYYY, YYYY-MM or YYYY-MM-DD")
        numbers: list[int | None] = [int(p) for p in parts] + [None, None]
        year, month, day = int(parts[0]), numbers[1], numbers[2]
        if not 1850 <= year <= 2200 or (month is not None and not 1 <= month <= 12):
            raise ValueError("a date of birth is YYYY, YYYY-MM or YYYY-MM-DD")
        if day is not None:
            dt.date(year, month or 1, day)  # raises ValueError for 31 February
        return cls(year, month, day)


@dataclass(frozen=True)
class Profile:
    """One record (or watch-list entry) as the scorer sees it."""

    entity_type: str  # `Person`, `Seizure`, `Vehicle`... or `WatchListEntry`
    id: str
    schema: str  # person, company, conveyance, seizure, term
    names: tuple[Name, ...] = ()
    birth: BirthDate | None = None
    nationalities: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()  # of registration (companies, conveyances)
    identifiers: tuple[Identifier, ...] = ()
    terms: tuple[str, ...] = ()  # folded free terms a watch entry looks for
    text: str = ""  # folded free text the terms are looked for in
    # seizures
    date: dt.date | None = None
    route: tuple[str, ...] = ()  # countries of the route legs, in order
    concealment: str | None = None
    hs_codes: frozenset[str] = frozenset()
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.schema not in SCHEMAS:
            raise ValueError(f"profile schema {self.schema!r} is not one of {SCHEMAS}")

    @property
    def ref(self) -> tuple[str, str]:
        return (self.entity_type, self.id)

    @property
    def empty(self) -> bool:
        return not (
            self.names
            or self.identifiers
            or self.terms
            or self.text
            or self.route
            or self.hs_codes
            or self.concealment
        )


def identifiers(*triples: tuple[str, str | None, str]) -> tuple[Identifier, ...]:
    """`identifiers(("plate", row.plate, "plate"), ...)`: the ones with a usable key."""
    found = (Identifier.of(family, value, where) for family, value, where in triples)
    return tuple(i for i in found if i is not None)


def names(*pairs: tuple[str | None, str]) -> tuple[Name, ...]:
    """`names((full_name, "name"), ...)`: the non-empty ones, without repeats."""
    seen: set[str] = set()
    kept: list[Name] = []
    for value, where in pairs:
        folded = fold(value)
        if folded and folded not in seen:
            seen.add(folded)
            kept.append(Name(value.strip() if value else "", where))
    return tuple(kept)


def text_of(*parts: str | Iterable[str] | None) -> str:
    """Folded free text from strings (or lists of strings), for free-term matching."""
    pieces: list[str] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, str):
            pieces.append(part)
        else:
            pieces.extend(p for p in part if p)
    return fold(" ".join(pieces))
