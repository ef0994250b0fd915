"""Every backend answers the same contract: each query sees the last commit and exactly what its
caller may see, whatever queries ran before (whoosh keeps an open searcher and cached document
sets; PostgreSQL applies visibility in the SQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.search import SearchDocument
from core.search.backend import SearchBackend, SearchRequest, SearchResult
from tests.search_helpers import backend_factory_fixture

new_backend = backend_factory_fixture()


def doc(entity_type: str, record_id: int, text: str, **kw: object) -> SearchDocument:
    return SearchDocument(
        entity_type=entity_type,
        id=str(record_id),
        module=entity_type.lower(),
        title=f"{entity_type} {record_id}",
        content=text,
        **kw,  # type: ignore[arg-type]
    )


DOCS = [
    doc(
        "Shipment",
        1,
        "cocaine in taped bricks",
        date=dt.date(2025, 3, 4),
        keywords={"countries": ["NL"]},
    ),
    doc(
        "Shipment",
        2,
        "cocaine in a suitcase",
        date=dt.date(2025, 7, 1),
        keywords={"countries": ["BE"]},
    ),
    doc("Shipment", 3, "cocaine draft", audience=["user:7"]),
    doc("Parcel", 1, "cocaine by post", date=dt.date(2025, 3, 9)),
]


def found(result: SearchResult) -> list[str]:
    return sorted(f"{hit.entity_type}:{hit.id}" for hit in result.hits)


@pytest.fixture
async def backend(new_backend) -> SearchBackend:
    backend = await new_backend()
    async with backend.writer() as writer:
        await writer.upsert(DOCS)
    return backend


async def test_each_caller_sees_only_its_types_and_audience_on_a_shared_view(backend):
    everything = {"Shipment": None, "Parcel": None}
    for allowed, expected in [
        (everything, ["Parcel:1", "Shipment:1", "Shipment:2", "Shipment:3"]),
        ({"Shipment": None}, ["Shipment:1", "Shipment:2", "Shipment:3"]),
        ({"Parcel": None}, ["Parcel:1"]),
        ({"Shipment": ["user:8"]}, ["Shipment:1", "Shipment:2"]),
        (
            {"Shipment": ["user:7"], "Parcel": None},
            ["Parcel:1", "Shipment:1", "Shipment:2", "Shipment:3"],
        ),
        ({"Nothing": None}, []),
        (everything, ["Parcel:1", "Shipment:1", "Shipment:2", "Shipment:3"]),
    ]:
        result = await backend.query(SearchRequest(text="cocaine", allowed_types=allowed))
        assert found(result) == expected, allowed
        assert result.total == len(expected)
        assert sum(result.entity_types.values()) == len(expected)
        assert sum(result.modules.values()) == len(expected)


async def test_no_visible_match_is_an_empty_result_not_an_unfiltered_one(backend):
    # Only a Shipment holds "suitcase": a caller seeing Parcels only gets nothing, also for a
    # phrase (the two query paths), with counts of nothing.
    for text in ("suitcase", '"a suitcase"'):
        result = await backend.query(SearchRequest(text=text, allowed_types={"Parcel": None}))
        assert result.hits == [] and result.total == 0 and result.entity_types == {}
        audience = await backend.query(
            SearchRequest(text="draft", allowed_types={"Shipment": ["user:8"]})
        )
        assert audience.hits == [] and audience.total == 0


async def test_filters_and_dates_combine_with_visibility(backend):
    request = SearchRequest(
        text="cocaine",
        allowed_types={"Shipment": ["user:8"], "Parcel": None},
        date_from=dt.date(2025, 3, 1),
        date_to=dt.date(2025, 3, 31),
    )
    assert found(await backend.query(request)) == ["Parcel:1", "Shipment:1"]
    filtered = SearchRequest(
        text="cocaine", allowed_types={"Shipment": None}, filters={"countries": ["be", "XX"]}
    )
    assert found(await backend.query(filtered)) == ["Shipment:2"]
    nothing = SearchRequest(
        text="cocaine", allowed_types={"Shipment": None}, filters={"countries": [" "]}
    )
    assert (await backend.query(nothing)).total == 0


async def test_a_commit_is_seen_by_the_next_query(backend):
    request = SearchRequest(text="cocaine", allowed_types={"Shipment": None, "Parcel": None})
    assert (await backend.query(request)).total == 4
    async with backend.writer() as writer:
        await writer.delete(["Shipment:1"])
        await writer.upsert([doc("Parcel", 2, "cocaine again")])
    result = await backend.query(request)
    assert found(result) == ["Parcel:1", "Parcel:2", "Shipment:2", "Shipment:3"]
    assert result.entity_types == {"Parcel": 2, "Shipment": 2}
    async with backend.writer() as writer:
        await writer.delete_types(["Parcel"])
    result = await backend.query(request)
    assert found(result) == ["Shipment:2", "Shipment:3"]
    assert result.entity_types == {"Shipment": 2} and result.modules == {"shipment": 2}


async def test_phrases_and_pages(backend):
    allowed = {"Shipment": None, "Parcel": None}
    phrase = await backend.query(SearchRequest(text='"taped bricks"', allowed_types=allowed))
    assert found(phrase) == ["Shipment:1"]
    assert (
        phrase.hits[0].snippets[-1]
        == 'cocaine in <mark class="match term0">taped</mark> <mark class="match term1">bricks</mark>'
    )
    counts_only = await backend.query(SearchRequest(text="cocaine", allowed_types=allowed, limit=0))
    assert counts_only.hits == [] and counts_only.total == 4
    pages = [
        await backend.query(SearchRequest(text="cocaine", allowed_types=allowed, offset=n, limit=1))
        for n in range(5)
    ]
    assert sorted(f"{p.hits[0].entity_type}:{p.hits[0].id}" for p in pages[:4]) == found(
        await backend.query(SearchRequest(text="cocaine", allowed_types=allowed))
    )
    assert pages[4].hits == [] and pages[4].total == 4


async def test_a_rebuild_writes_each_document_once(backend):
    with pytest.raises(ValueError, match="written twice"):
        async with backend.writer(replace_all=True) as writer:
            await writer.upsert([DOCS[0], DOCS[0]])
    # The failed rebuild was discarded: the index is as before.
    request = SearchRequest(text="cocaine", allowed_types={"Shipment": None, "Parcel": None})
    assert (await backend.query(request)).total == 4


async def test_words_taken_out_of_documents_are_no_longer_found(backend):
    allowed = {"Shipment": None, "Parcel": None}
    async with backend.writer() as writer:
        await writer.upsert([doc("Shipment", 9, "courier Qwertyzanov")])
    assert found(
        await backend.query(SearchRequest(text="qwertyzanof~", allowed_types=allowed))
    ) == ["Shipment:9"]
    async with backend.writer() as writer:  # a corrected name
        await writer.upsert([doc("Shipment", 9, "courier Smith")])
    for text in ("qwertyzanof~", "qwerty*", "qwertyzanov"):
        result = await backend.query(SearchRequest(text=text, allowed_types=allowed))
        assert result.total == 0, text
    if hasattr(backend, "db"):  # PostgreSQL: the vocabulary holds only live documents' words
        from sqlalchemy import text as sql

        async with backend.db.engine.connect() as conn:
            words = set(await conn.scalars(sql("SELECT word FROM core_search_word")))
        assert "smith" in words and not any(w.startswith("qwerty") for w in words)
        async with backend.writer() as writer:
            await writer.delete(["Shipment:9"])
            writer.purge_on_commit()
        async with backend.db.engine.connect() as conn:
            words = set(await conn.scalars(sql("SELECT word FROM core_search_word")))
        assert "smith" not in words and "cocaine" in words


async def test_whoosh_answers_a_repeated_request_once_per_index_generation(tmp_path, monkeypatch):
    """A request answered on the current index generation is answered again without running
    (no worker thread); a commit, of this process or of another on the same directory, makes
    the next one run."""
    from core.search.whoosh_backend import WhooshBackend

    backend = WhooshBackend(tmp_path / "index")
    await backend.create()
    async with backend.writer() as writer:
        await writer.upsert(DOCS)
    request = SearchRequest(text="cocaine", allowed_types={"Shipment": None, "Parcel": None})
    first = await backend.query(request)
    ran: list[SearchRequest] = []
    original = backend._query

    def spy(asked: SearchRequest) -> SearchResult:
        ran.append(asked)
        return original(asked)

    monkeypatch.setattr(backend, "_query", spy)
    assert await backend.query(request) == first and ran == []
    # Another caller (other types), another page: answered on their own.
    parcels = await backend.query(SearchRequest(text="cocaine", allowed_types={"Parcel": None}))
    assert found(parcels) == ["Parcel:1"] and len(ran) == 1
    assert found(await backend.query(dataclasses.replace(request, limit=1))) != []
    assert len(ran) == 2
    # Another process commits to the same index.
    other = WhooshBackend(tmp_path / "index")
    async with other.writer() as writer:
        await writer.upsert([doc("Parcel", 5, "cocaine too")])
    after = await backend.query(request)
    assert len(ran) == 3 and after.total == 5 and "Parcel:5" in found(after)
    assert await backend.query(request) == after and len(ran) == 3
    backend.clear_repeats()  # the benchmarks of search itself: every query runs
    assert await backend.query(request) == after and len(ran) == 4
