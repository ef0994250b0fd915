"""What one search may cost: caps on the query text (any backend), on what a pattern expands to
and on time (the whoosh backend), and on searches at once (the service)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import SearchSettings
from core.search import SearchDocument
from core.search.backend import SearchBackend, SearchLimitError, SearchRequest, SearchResult
from core.search.limits import check_query, shape_of
from core.search.service import SearchService
from core.search.whoosh_backend import WhooshBackend
from tests.search_helpers import TestPrincipal, backend_factory_fixture

WORDS = [f"cocaine{i:04d}" for i in range(1500)]


def test_the_query_text_is_counted_the_same_for_every_backend() -> None:
    assert shape_of('cocaine AND "taped bricks" NOT title:heroin') == shape_of(
        "cocaine taped bricks title:heroin"
    )
    assert shape_of("seiz* te?t cocain~2 date:[2020 TO 2021] plain").expanding == 4
    assert shape_of("a b c").terms == 3
    limits = SearchSettings(max_terms=3, max_expanding_terms=1)
    check_query("a b~ c", limits)
    for text in ("a b c d", "a~ b*"):
        with pytest.raises(SearchLimitError) as refused:
            check_query(text, limits)
        assert refused.value.code == "QUERY_TOO_COMPLEX"


new_backend = backend_factory_fixture()


@pytest.fixture
async def backend(new_backend) -> SearchBackend:
    backend = await new_backend()
    async with backend.writer() as writer:
        await writer.upsert(
            [
                SearchDocument(
                    entity_type="Shipment",
                    id=str(i),
                    module="shipment",
                    title=f"Shipment {i}",
                    content=" ".join(WORDS[i * 10 : i * 10 + 10]),
                )
                for i in range(150)
            ]
        )
    return backend


def request(text: str, **options: object) -> SearchRequest:
    return SearchRequest(text=text, allowed_types={"Shipment": None}, **options)  # type: ignore[arg-type]


async def test_a_pattern_over_its_expansions_is_refused(backend: SearchBackend) -> None:
    narrow = await backend.query(request("cocaine000*", max_expansions=20))
    assert narrow.total == 1  # cocaine0000 ... cocaine0009: one document
    with pytest.raises(SearchLimitError) as refused:
        await backend.query(request("cocaine*", max_expansions=1000))
    assert refused.value.code == "QUERY_TOO_BROAD"
    assert "cocaine" in str(refused.value) and "1000" in str(refused.value)
    with pytest.raises(SearchLimitError):
        await backend.query(request("cocaine0001~1", max_expansions=5))


async def test_the_backend_stops_at_its_deadline(backend: SearchBackend) -> None:
    with pytest.raises(SearchLimitError) as refused:
        await backend.query(request("cocaine*", deadline=time.monotonic() - 1))
    assert refused.value.code == "SEARCH_TIMEOUT"
    assert (await backend.query(request("cocaine0001"))).total == 1


class SlowBackend(WhooshBackend):
    """The real backend, answering after `delay` seconds: a search that takes its time."""

    def __init__(self, path: Path, delay: float) -> None:
        super().__init__(path)
        self.delay = delay
        self.running = 0
        self.most = 0

    async def query(self, request: SearchRequest) -> SearchResult:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(self.delay)
            return await super().query(request)
        finally:
            self.running -= 1


@pytest.fixture
async def slow(tmp_path: Path) -> AsyncIterator[SlowBackend]:
    backend = SlowBackend(tmp_path / "slow", delay=0.8)
    await backend.create()
    yield backend


async def test_the_service_bounds_time_and_searches_at_once(slow: SlowBackend) -> None:
    caller = TestPrincipal(frozenset({"shipment.view"}))

    def service(**limits: object) -> SearchService:
        return SearchService(slow, None, {}, SearchSettings(**limits))  # type: ignore[arg-type]

    # A backend that ignores the deadline is waited for a grace period, then given up.
    timed = service(timeout_seconds=0.1)
    with pytest.raises(SearchLimitError) as refused:
        await timed.search(caller, "cocaine")
    assert refused.value.code == "SEARCH_TIMEOUT" and "0.1 s" in str(refused.value)

    bounded = service(max_concurrent=2, timeout_seconds=0.5)
    outcomes = await asyncio.gather(
        *(bounded.search(caller, "cocaine") for _ in range(4)), return_exceptions=True
    )
    assert slow.most == 2  # never more than two at once
    answered = [o for o in outcomes if isinstance(o, SearchResult)]
    refused_codes = {o.code for o in outcomes if isinstance(o, SearchLimitError)}
    assert len(answered) == 2 and refused_codes <= {"SEARCH_BUSY", "SEARCH_TIMEOUT"}
