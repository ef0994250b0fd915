"""Search pieces without a database: date decomposition, declaration checks, documents."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from core.errors import NcenError
from core.search import SearchDocument, SearchType
from core.search.dates import date_terms, day_key, month_key, year_key
from core.search.service import validate_types


def _matches(terms, day: dt.date) -> bool:
    return (
        year_key(day) in terms.years or month_key(day) in terms.months or day_key(day) in terms.days
    )


def test_date_terms_cover_exactly_the_range():
    years = {2023, 2024, 2026}
    calendar_days = [dt.date(2023, 1, 1) + dt.timedelta(days=n) for n in range(4 * 366)]
    days = [day for day in calendar_days if day.year in years]  # no document in other years
    rng = random.Random(7)
    bounds = [None, *calendar_days[::17], dt.date(2020, 5, 5), dt.date(2030, 1, 1)]
    for _ in range(400):
        lo, hi = rng.choice(bounds), rng.choice(bounds)
        terms = date_terms(lo, hi, years)
        for day in days:
            expected = day.year in years and (lo is None or lo <= day) and (hi is None or day <= hi)
            assert _matches(terms, day) == expected, (lo, hi, day)
        assert len(terms.months) <= 22 and len(terms.days) <= 62


def test_date_terms_use_whole_years_and_months():
    terms = date_terms(dt.date(2024, 2, 28), dt.date(2026, 4, 2), {2024, 2025, 2026})
    assert terms.years == ["2025"]
    assert terms.months == [f"2024-{m:02d}" for m in range(3, 13)] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert terms.days == ["2024-02-28", "2024-02-29", "2026-04-01", "2026-04-02"]
    assert not date_terms(None, None, set())


async def _fetch(session, ids):
    return []


async def _ids(session, batch_size):
    yield []


def _type(entity_type: str, module: str) -> SearchType:
    return SearchType(entity_type, module, f"{module}.view", fetch=_fetch, ids=_ids)


def test_search_type_declarations_are_checked():
    assert set(validate_types([("cargo", [_type("Shipment", "cargo")])])) == {"Shipment"}
    with pytest.raises(NcenError, match="declared by both"):
        validate_types([("cargo", [_type("X", "cargo")]), ("parcels", [_type("X", "parcels")])])
    with pytest.raises(NcenError, match="only its own"):
        validate_types([("cargo", [_type("Parcel", "parcels")])])
    with pytest.raises(NcenError, match="SearchType"):
        validate_types([("cargo", ["Shipment"])])


def test_documents_refuse_unknown_keyword_fields():
    with pytest.raises(ValueError, match="unknown keyword field"):
        SearchDocument("Shipment", "1", "cargo", "t", keywords={"colour": ["red"]})
    assert SearchDocument("Shipment", "1", "cargo", "t").doc_id == "Shipment:1"
