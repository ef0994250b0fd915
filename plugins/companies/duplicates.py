"""Possible duplicates: existing companies with the same registration identifier, or a similar
name (legal-form words ignored, see `identifiers.name_key`) registered in the same country.

Used by `Company.possibleDuplicates`, which the create and update mutations return, so the
officer sees the candidates in the response and can link or merge instead of keeping a twin.
Batched: the duplicates of N companies cost three statements (identifiers, candidate names,
candidate trade names), whatever N. Names are compared with rapidfuzz's token-sort ratio over
every visible company of the country, which stays in the tens of milliseconds up to ~100k
companies per country; beyond that a trigram index (pg_trgm) would pre-select candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.gql.context import Principal
from plugins.companies import access
from plugins.companies.models import Company, CompanyTradeName, RegistrationId

# Token-sort ratio (0-100) from which two normalised names are "similar".
NAME_THRESHOLD = 88.0
# Below this length a name key must match exactly (short keys are similar to too much).
MIN_FUZZY_LENGTH = 4
MAX_RESULTS = 20
# Schemes whose numbers are only unique within their issuing country.
_NATIONAL_SCHEMES = {"company_number", "tax_number", "other"}


@dataclass
class DuplicateMatch:
    company_id: int
    same_identifiers: list[str] = field(default_factory=list)  # "vat:NL004495445B01"
    name_similarity: float | None = None  # 0 to 1
    matched_name: str | None = None  # the other company's name that matched

    @property
    def rank(self) -> tuple[int, float]:
        return (len(self.same_identifiers), self.name_similarity or 0.0)


def similarity(key_a: str, key_b: str) -> float:
    """0 to 100: how alike two name keys are (word order ignored)."""
    if key_a == key_b:
        return 100.0
    if min(len(key_a), len(key_b)) < MIN_FUZZY_LENGTH:
        return 0.0
    return float(fuzz.token_sort_ratio(key_a, key_b))


def _same_identifier(mine: RegistrationId, other: RegistrationId) -> bool:
    if mine.scheme != other.scheme or mine.value != other.value:
        return False
    if mine.scheme in _NATIONAL_SCHEMES and mine.country and other.country:
        return mine.country == other.country
    return True


async def find_duplicates(
    session: AsyncSession, companies: Sequence[Company], principal: Principal
) -> dict[int, list[DuplicateMatch]]:
    """For each company (loaded with its identifiers and trade names), the visible others that
    may be the same, most likely first."""
    visible = access.visible_filter(principal)
    found: dict[int, dict[int, DuplicateMatch]] = {c.id: {} for c in companies}

    values = {i.value for c in companies for i in c.identifiers}
    if values:
        rows = (
            await session.scalars(
                select(RegistrationId)
                .join(Company, Company.id == RegistrationId.company_id)
                .where(RegistrationId.value.in_(values), visible)
            )
        ).all()
        by_value: dict[str, list[RegistrationId]] = defaultdict(list)
        for row in rows:
            by_value[row.value].append(row)
        for company in companies:
            for mine in company.identifiers:
                for other in by_value.get(mine.value, []):
                    if other.company_id == company.id or not _same_identifier(mine, other):
                        continue
                    match = found[company.id].setdefault(
                        other.company_id, DuplicateMatch(other.company_id)
                    )
                    label = f"{mine.scheme}:{mine.value}"
                    if label not in match.same_identifiers:
                        match.same_identifiers.append(label)

    countries = {c.country for c in companies if c.country}
    if countries:
        names = (
            await session.execute(
                select(Company.id, Company.country, Company.name_key, Company.legal_name).where(
                    Company.country.in_(countries), visible
                )
            )
        ).all()
        trade = (
            await session.execute(
                select(
                    Company.id, Company.country, CompanyTradeName.name_key, CompanyTradeName.name
                )
                .join(CompanyTradeName, CompanyTradeName.company_id == Company.id)
                .where(Company.country.in_(countries), visible)
            )
        ).all()
        by_country: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for company_id, country, key, name in [*names, *trade]:
            by_country[country].append((company_id, key, name))
        for company in companies:
            candidates = [c for c in by_country.get(company.country, []) if c[0] != company.id]
            if not candidates:
                continue
            keys = [c[1] for c in candidates]
            for mine in {company.name_key, *(t.name_key for t in company.trade_names)}:
                hits = process.extract(
                    mine,
                    keys,
                    scorer=lambda a, b, **_: similarity(a, b),
                    score_cutoff=NAME_THRESHOLD,
                    limit=None,
                )
                for _key, score, index in hits:
                    other_id, _, other_name = candidates[index]
                    match = found[company.id].setdefault(other_id, DuplicateMatch(other_id))
                    if match.name_similarity is None or score / 100 > match.name_similarity:
                        match.name_similarity = round(score / 100, 3)
                        match.matched_name = other_name

    result: dict[int, list[DuplicateMatch]] = {}
    for company_id, matches in found.items():
        ordered = sorted(matches.values(), key=lambda m: m.rank, reverse=True)
        result[company_id] = ordered[:MAX_RESULTS]
    return result
