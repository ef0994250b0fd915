"""Scoring two profiles, with an explanation: which features matched, the values compared and
what each added (the idea of nomenklatura's logic-v2: features with weights, qualifiers that
lower a score, and a threshold).

Features:
- `identifier:<family>`: a shared normalised identifier (plate, container, IMO, document...).
  Strong on its own.
- `name`: the best name similarity of the two sides, counted from `name_min` up (persons with
  persons, companies with companies, conveyances with conveyances).
- qualifiers of a name match: `birth_date` (agreeing adds, contradicting subtracts),
  `nationality` (shared adds, disjoint subtracts), `country` (of registration, companies).
- `term`: a free term of a watch entry found in the record's text, names or identifiers.
- seizure with seizure: `route` (shared countries of the route legs), `concealment` (same
  method), `hs_code` (same heading, or chapter), `time_window` (dates within `window_days`).

The score is the sum of the features' contributions, clipped to 0-1; a pair is a match from
`threshold` up. Weights and thresholds are module settings an administration tunes
(intelligence settings, docs/intelligence.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from core.matching.names import fold, name_similarity
from core.matching.profile import Profile

NAMED_SCHEMAS = ("person", "company", "conveyance")


@dataclass(frozen=True)
class Weights:
    threshold: float = 0.7
    identifier: float = 1.0
    name: float = 0.75
    name_min: float = 0.8
    birth_date_match: float = 0.15
    birth_date_mismatch: float = 0.45
    nationality_match: float = 0.1
    nationality_mismatch: float = 0.1
    country_match: float = 0.1
    term: float = 0.9
    route: float = 0.3
    concealment: float = 0.2
    hs_code: float = 0.25
    time_window: float = 0.25
    window_days: int = 30

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Feature:
    """One reason in an explanation: `score` (0-1) of the feature times its `weight` gives
    its `contribution` (negative for a contradicting qualifier)."""

    feature: str
    query_value: str
    candidate_value: str
    query_field: str
    candidate_field: str
    score: float
    weight: float

    @property
    def contribution(self) -> float:
        return round(self.score * self.weight, 4)

    def to_json(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "queryValue": self.query_value,
            "candidateValue": self.candidate_value,
            "queryField": self.query_field,
            "candidateField": self.candidate_field,
            "score": self.score,
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Feature:
        return cls(
            feature=str(data["feature"]),
            query_value=str(data["queryValue"]),
            candidate_value=str(data["candidateValue"]),
            query_field=str(data["queryField"]),
            candidate_field=str(data["candidateField"]),
            score=float(data["score"]),  # type: ignore[arg-type]
            weight=float(data["weight"]),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class MatchResult:
    score: float
    features: tuple[Feature, ...] = field(default_factory=tuple)
    is_match: bool = False

    @property
    def matched_fields(self) -> tuple[str, ...]:
        """The candidate's fields that matched (positive features), without repeats."""
        return tuple(dict.fromkeys(f.candidate_field for f in self.features if f.contribution > 0))

    def explain(self) -> str:
        """One line per feature: `identifier:plate "AB123CD" ~ "AB-123-CD" 1.00 x 1.00`."""
        return "; ".join(
            f'{f.feature} "{f.query_value}" ~ "{f.candidate_value}" {f.score:.2f} x {f.weight:+.2f}'
            for f in self.features
        )


def _identifiers(query: Profile, candidate: Profile, w: Weights) -> list[Feature]:
    found: list[Feature] = []
    theirs = {(i.family, i.key): i for i in candidate.identifiers}
    seen: set[tuple[str, str]] = set()
    for mine in query.identifiers:
        pair = (mine.family, mine.key)
        other = theirs.get(pair)
        if other is None or pair in seen:
            continue
        seen.add(pair)
        found.append(
            Feature(
                f"identifier:{mine.family}",
                mine.value,
                other.value,
                mine.field,
                other.field,
                1.0,
                w.identifier,
            )
        )
    return found


def _name(query: Profile, candidate: Profile, w: Weights) -> Feature | None:
    if query.schema != candidate.schema or query.schema not in NAMED_SCHEMAS:
        return None
    company = query.schema == "company"
    best = None
    best_score = 0.0
    for mine in query.names:
        for other in candidate.names:
            score = name_similarity(mine.value, other.value, company=company)
            if score > best_score:
                best, best_score = (mine, other), score
    if best is None or best_score < w.name_min:
        return None
    mine, other = best
    return Feature("name", mine.value, other.value, mine.field, other.field, best_score, w.name)


def _person_qualifiers(query: Profile, candidate: Profile, w: Weights) -> list[Feature]:
    found: list[Feature] = []
    a, b = query.birth, candidate.birth
    if a is not None and b is not None and a.known and b.known:
        if a.compatible(b):
            found.append(
                Feature(
                    "birth_date", str(a), str(b), "birthDate", "birthDate", 1.0, w.birth_date_match
                )
            )
        else:
            found.append(
                Feature(
                    "birth_date",
                    str(a),
                    str(b),
                    "birthDate",
                    "birthDate",
                    1.0,
                    -w.birth_date_mismatch,
                )
            )
    if query.nationalities and candidate.nationalities:
        shared = query.nationalities & candidate.nationalities
        mine = ", ".join(sorted(query.nationalities))
        theirs = ", ".join(sorted(candidate.nationalities))
        weight = w.nationality_match if shared else -w.nationality_mismatch
        found.append(
            Feature("nationality", mine, theirs, "nationalities", "nationalities", 1.0, weight)
        )
    return found


def _country(query: Profile, candidate: Profile, w: Weights) -> Feature | None:
    shared = query.countries & candidate.countries
    if not shared:
        return None
    value = ", ".join(sorted(shared))
    return Feature("country", value, value, "country", "country", 1.0, w.country_match)


def _terms(query: Profile, candidate: Profile, w: Weights) -> list[Feature]:
    if not query.terms:
        return []
    haystacks: list[tuple[str, str]] = [(f" {candidate.text} ", "text")]
    haystacks += [(f" {fold(n.value)} ", n.field) for n in candidate.names]
    haystacks += [(f" {fold(i.value)} ", i.field) for i in candidate.identifiers]
    found: list[Feature] = []
    for term in query.terms:
        needle = f" {term} "
        for haystack, where in haystacks:
            if needle in haystack:
                found.append(Feature("term", term, term, "term", where, 1.0, w.term))
                break
    return found


def _seizure(query: Profile, candidate: Profile, w: Weights) -> list[Feature]:
    found: list[Feature] = []
    if query.route and candidate.route:
        a, b = set(query.route), set(candidate.route)
        overlap = len(a & b) / len(a | b)
        if overlap:
            found.append(
                Feature(
                    "route",
                    " > ".join(query.route),
                    " > ".join(candidate.route),
                    "route",
                    "route",
                    round(overlap, 3),
                    w.route,
                )
            )
    if query.concealment and query.concealment == candidate.concealment:
        found.append(
            Feature(
                "concealment",
                query.concealment,
                candidate.concealment,
                "concealment.method",
                "concealment.method",
                1.0,
                w.concealment,
            )
        )
    best = (0.0, "", "")
    for mine in query.hs_codes:
        for other in candidate.hs_codes:
            score = 1.0 if mine[:4] == other[:4] else 0.5 if mine[:2] == other[:2] else 0.0
            if score > best[0]:
                best = (score, mine, other)
    if best[0]:
        found.append(
            Feature("hs_code", best[1], best[2], "goods.hsCode", "goods.hsCode", best[0], w.hs_code)
        )
    if query.date and candidate.date and w.window_days > 0:
        days = abs((query.date - candidate.date).days)
        if days <= w.window_days:
            found.append(
                Feature(
                    "time_window",
                    query.date.isoformat(),
                    candidate.date.isoformat(),
                    "seizureDate",
                    "seizureDate",
                    round(1 - days / (w.window_days + 1), 3),
                    w.time_window,
                )
            )
    return found


def compare(query: Profile, candidate: Profile, weights: Weights | None = None) -> MatchResult:
    """Score `candidate` against `query` (a watch entry against a record, or two records)."""
    w = weights or Weights()
    features: list[Feature] = _identifiers(query, candidate, w)
    name = _name(query, candidate, w)
    if name is not None:
        features.append(name)
        if query.schema == "person":
            features += _person_qualifiers(query, candidate, w)
        elif query.schema == "company":
            country = _country(query, candidate, w)
            if country is not None:
                features.append(country)
    features += _terms(query, candidate, w)
    if query.schema == "seizure" and candidate.schema == "seizure":
        features += _seizure(query, candidate, w)
    if not features:
        return MatchResult(0.0)
    score = round(min(1.0, max(0.0, sum(f.contribution for f in features))), 3)
    positive = any(f.contribution > 0 for f in features)
    return MatchResult(score, tuple(features), positive and score >= w.threshold)
