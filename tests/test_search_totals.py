"""Keyword fields, broad queries and what a search computes only when asked, on every backend.

PostgreSQL keeps keyword fields in their own array (`keywords @> ...`), so the same queries must
find the same documents as whoosh's keyword fields. A query matching more than
`exact_total_limit` documents gets an estimated total on PostgreSQL (`total_exact` False) and its
hits ranked among the first matches found; whoosh always counts exactly.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.search import SearchDocument
from core.search.backend import SearchBackend, SearchRequest
from core.search.postgres_backend import PostgresSearchBackend
from tests.search_helpers import backend_factory_fixture

new_backend = backend_factory_fixture()

ALL = {"Shipment": None, "Parcel": None}


def shipment(number: int, text: str, country: str, code: str, **kw: object) -> SearchDocument:
    return SearchDocument(
        entity_type="Shipment",
        id=str(number),
        module="shipment",
        title=f"Shipment {number}",
        content=text,
        date=dt.date(2025, 1 + number % 12, 1 + number % 28),
        keywords={"countries": [country], "codes": [code], "identifiers": [f"REF-{number:04d}"]},
        **kw,  # type: ignore[arg-type]
    )


DOCS = [
    shipment(1, "cocaine in taped bricks", "NL", "drugs"),
    shipment(2, "cocaine in a suitcase", "BE", "drugs"),
    shipment(3, "counterfeit watches", "BE", "ipr"),
    shipment(4, "cigarettes under the floor", "FR", "tobacco"),
    SearchDocument(
        entity_type="Parcel",
        id="1",
        module="parcel",
        title="Parcel 1",
        content="cocaine by post from Belgium",
        keywords={"countries": ["BE"], "tags": ["post"]},
    ),
]


@pytest.fixture
async def backend(new_backend) -> SearchBackend:
    backend = await new_backend()
    async with backend.writer() as writer:
        await writer.upsert(DOCS)
    return backend


async def ids(backend: SearchBackend, text: str, **kw: object) -> list[str]:
    result = await backend.query(SearchRequest(text=text, allowed_types=ALL, **kw))  # type: ignore[arg-type]
    assert result.total == len(result.hits) and result.total_exact
    return sorted(f"{hit.entity_type}:{hit.id}" for hit in result.hits)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("countries:BE", ["Parcel:1", "Shipment:2", "Shipment:3"]),
        ("countries:be cocaine", ["Parcel:1", "Shipment:2"]),
        ("cocaine NOT countries:BE", ["Shipment:1"]),
        ("countries:fr OR watches", ["Shipment:3", "Shipment:4"]),
        ("countries:b*", ["Parcel:1", "Shipment:2", "Shipment:3"]),
        ("codes:drug~", ["Shipment:1", "Shipment:2"]),
        ("identifiers:ref-000?", ["Shipment:1", "Shipment:2", "Shipment:3", "Shipment:4"]),
        ("identifiers:[ref-0002 TO ref-0003]", ["Shipment:2", "Shipment:3"]),
        ("entity_type:Parcel", ["Parcel:1"]),
        ("module:shipment codes:ipr", ["Shipment:3"]),
        ("tags:post", ["Parcel:1"]),
        ("month:2025-03", ["Shipment:2"]),
        ("year:2025 cigarettes", ["Shipment:4"]),
        ("countries:nl codes:drugs", ["Shipment:1"]),
        ("belgium", ["Parcel:1"]),
        ("title:shipment cocaine", ["Shipment:1", "Shipment:2"]),
    ],
)
async def test_keyword_fields_find_what_whoosh_finds(backend, text, expected):
    assert await ids(backend, text) == expected


async def test_keyword_filters_and_dates(backend):
    assert await ids(backend, "cocaine", filters={"countries": ["be", "nl"]}) == [
        "Parcel:1",
        "Shipment:1",
        "Shipment:2",
    ]
    assert await ids(backend, "", filters={"codes": ["drugs"]}, date_from=dt.date(2025, 3, 1)) == [
        "Shipment:2"
    ]


async def test_keyword_rows_are_arrays_not_lexemes(new_backend):
    backend = await new_backend()
    if not isinstance(backend, PostgresSearchBackend):
        pytest.skip("the layout of PostgreSQL's table")
    from sqlalchemy import text

    async with backend.writer() as writer:
        await writer.upsert(DOCS[:1])
    async with backend.db.engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT keywords, tsv::text FROM core_search_document"))
        ).one()
    assert "countries=nl" in row[0] and "identifiers=ref-0001" in row[0]
    assert "=" not in row[1]


async def test_a_broad_query_is_estimated_and_ranked_among_the_first_matches(new_backend):
    backend = await new_backend()
    docs = [shipment(n, f"cocaine lot {n}", "BE", "drugs") for n in range(1, 41)]
    async with backend.writer() as writer:
        await writer.upsert(docs)
    exact = await backend.query(SearchRequest(text="cocaine", allowed_types=ALL, limit=5))
    assert exact.total == 40 and exact.total_exact and exact.ranked is None
    broad = await backend.query(
        SearchRequest(text="cocaine", allowed_types=ALL, limit=5, exact_total_limit=10)
    )
    assert len(broad.hits) == 5
    assert broad.entity_types == {"Shipment": 40}  # facets stay exact
    if isinstance(backend, PostgresSearchBackend):
        assert not broad.total_exact and broad.ranked == 11 and broad.total >= 11
    else:
        assert broad.total_exact and broad.total == 40
    # Under the limit nothing changes: the same hits in the same order.
    narrow = await backend.query(
        SearchRequest(text="cocaine lot", allowed_types=ALL, limit=5, exact_total_limit=100)
    )
    assert narrow.total_exact and narrow.total == 40
    assert [h.id for h in narrow.hits] == [
        h.id
        for h in (
            await backend.query(SearchRequest(text="cocaine lot", allowed_types=ALL, limit=5))
        ).hits
    ]


async def test_facets_and_snippets_only_when_asked(backend):
    lean = await backend.query(
        SearchRequest(text="cocaine", allowed_types=ALL, facets=False, snippets=False)
    )
    assert lean.total == 3 and lean.modules == {} and lean.entity_types == {}
    assert all(hit.snippets == [] for hit in lean.hits)
    full = await backend.query(SearchRequest(text="cocaine", allowed_types=ALL))
    assert full.entity_types == {"Shipment": 2, "Parcel": 1}
    assert [h.id for h in full.hits] == [h.id for h in lean.hits]
    assert all("<mark" in " ".join(hit.snippets) for hit in full.hits)


async def test_visibility_still_applies_when_the_index_holds_types_the_caller_cannot_see(
    backend,
):
    only_parcels = await backend.query(
        SearchRequest(text="cocaine", allowed_types={"Parcel": None})
    )
    assert [(h.entity_type, h.id) for h in only_parcels.hits] == [("Parcel", "1")]
    assert only_parcels.total == 1 and only_parcels.entity_types == {"Parcel": 1}


async def test_a_broad_query_without_ranking_words_keeps_its_exact_order(new_backend):
    backend = await new_backend()
    docs = [shipment(n, f"lot {n}", "BE", "drugs") for n in range(1, 41)]
    async with backend.writer() as writer:
        await writer.upsert(docs)
    every = await backend.query(SearchRequest(text="codes:drugs", allowed_types=ALL, limit=7))
    broad = await backend.query(
        SearchRequest(
            text="codes:drugs", allowed_types=ALL, limit=7, offset=3, exact_total_limit=10
        )
    )
    assert [h.id for h in broad.hits] == [h.id for h in every.hits][3:] + [
        h.id
        for h in (
            await backend.query(
                SearchRequest(text="codes:drugs", allowed_types=ALL, limit=3, offset=7)
            )
        ).hits
    ]
    assert broad.ranked is None  # every match can be paged to
    assert broad.total_exact == (not isinstance(backend, PostgresSearchBackend))


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        (dt.date(2025, 1, 1), None, ["2", "3", "4"]),
        (None, dt.date(2025, 6, 15), ["1", "2", "3"]),
        (dt.date(2024, 12, 31), dt.date(2025, 1, 1), ["1", "2"]),
        (dt.date(2025, 1, 2), dt.date(2026, 1, 31), ["3"]),
        (dt.date(2027, 1, 1), None, []),
    ],
)
async def test_date_ranges_open_or_across_years(new_backend, date_from, date_to, expected):
    backend = await new_backend()
    dates = [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 6, 15), dt.date(2026, 2, 1)]
    docs = [
        SearchDocument(entity_type="Shipment", id=str(n), module="shipment", title="lot", date=d)
        for n, d in enumerate(dates, start=1)
    ]
    docs.append(SearchDocument(entity_type="Shipment", id="5", module="shipment", title="lot"))
    async with backend.writer() as writer:
        await writer.upsert(docs)
    for text in ("lot", ""):
        result = await backend.query(
            SearchRequest(text=text, allowed_types=ALL, date_from=date_from, date_to=date_to)
        )
        assert sorted(h.id for h in result.hits) == expected
        assert result.total == len(expected)


FUZZY_WORDS = ["cocaine", "c0caine", "coca1ne2", "c0c4ine", "cocain", "ab12", "a1b2", "ab1", "12ab"]


@pytest.mark.parametrize("term", ["cocaine~", "c0caine~2", "cocaine~2", "ab1~2", "ab~2", "12~"])
async def test_fuzzy_terms_with_digits_find_every_word_within_the_distance(new_backend, term):
    from rapidfuzz.distance import OSA

    backend = await new_backend()
    docs = [
        SearchDocument(entity_type="Shipment", id=str(n), module="shipment", title=word)
        for n, word in enumerate(FUZZY_WORDS, start=1)
    ]
    async with backend.writer() as writer:
        await writer.upsert(docs)
    text, _, distance = term.partition("~")
    expected = sorted(
        str(n)
        for n, word in enumerate(FUZZY_WORDS, start=1)
        if OSA.distance(text, word) <= int(distance or 1)
    )
    assert await ids(backend, term) == [f"Shipment:{n}" for n in expected]
