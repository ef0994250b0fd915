"""The interface between ncen and a full-text engine; whoosh is the one implementation today.

Nothing outside a backend's own module imports its engine, so SQLite FTS5 or PostgreSQL full-text
backends can be added without touching modules. Permission, record-level audience and module
filtering are expressed as `allowed_types` so that a backend applies them *inside* the query:
hits, totals and facet counts never include a document the caller may not see.
"""

from __future__ import annotations

import datetime as dt
import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from core.search.documents import SearchDocument


class IndexState(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"
    OUTDATED = "outdated"  # written by another schema version of the backend


@dataclass(frozen=True)
class IndexStatus:
    state: IndexState
    detail: str = ""
    # Documents per (module, entity_type); empty unless the index is readable.
    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)


class QuerySyntaxError(ValueError):
    """The query text cannot be run; `code` is machine-readable (QUERY_SYNTAX, UNKNOWN_FIELD,
    FUZZY), `position` the 0-based offset of the character at fault when it is known."""

    def __init__(
        self, message: str, code: str = "QUERY_SYNTAX", position: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.position = position


SEARCH_TIMEOUT = "SEARCH_TIMEOUT"
QUERY_TOO_BROAD = "QUERY_TOO_BROAD"


class SearchLimitError(QuerySyntaxError):
    """The query is well formed but over a cost limit: too many terms (`QUERY_TOO_COMPLEX`), a
    pattern matching too many index words (`QUERY_TOO_BROAD`), out of time (`SEARCH_TIMEOUT`)
    or too many searches running (`SEARCH_BUSY`)."""


@dataclass(frozen=True)
class SearchRequest:
    text: str
    # Entity types the caller may see -> None (every document) or the audience tokens they hold
    # (documents without audience, or sharing one of these tokens).
    allowed_types: Mapping[str, Collection[str] | None]
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)  # keyword field -> any of
    offset: int = 0
    limit: int = 20
    # `time.monotonic()` by which the backend gives up with SEARCH_TIMEOUT (None: no limit);
    # checked between steps, so a backend never runs long past it.
    deadline: float | None = None
    # How many index words one fuzzy, wildcard, prefix or range term may expand to before the
    # backend refuses it with QUERY_TOO_BROAD (None: no limit).
    max_expansions: int | None = None
    # What the caller will read: highlighted snippets of the hits and the facet counts cost
    # more than the hits themselves, so they are computed only when asked for.
    snippets: bool = True
    facets: bool = True
    # Matches counted (and ranked) exactly; beyond, a backend may estimate the total and rank
    # the first matches it finds (None: always exact). whoosh is always exact.
    exact_total_limit: int | None = None


@dataclass(frozen=True)
class SearchHit:
    entity_type: str
    id: str
    module: str
    score: float
    snippets: list[str]


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    modules: dict[str, int]
    entity_types: dict[str, int]
    # False when `total` is an estimate: the query matched more than `exact_total_limit`
    # documents, and the hits are the best of the first `ranked` matches found (docs/search.md).
    total_exact: bool = True
    ranked: int | None = None


class IndexWriter(ABC):
    """One batch of changes made visible to readers at once, on leaving the context."""

    @abstractmethod
    async def upsert(self, docs: Sequence[SearchDocument]) -> None: ...

    @abstractmethod
    async def delete(self, doc_ids: Sequence[str]) -> None: ...

    @abstractmethod
    async def delete_types(self, entity_types: Collection[str]) -> None: ...

    @abstractmethod
    def purge_on_commit(self) -> None:
        """Make the commit physically remove deleted documents (erasure), not just mark them."""


class SearchBackend(ABC):
    """An index of `SearchDocument`s. One writer at a time; any number of concurrent queries."""

    @abstractmethod
    async def status(self) -> IndexStatus:
        """Whether the index can be opened and read, with document counts."""

    @abstractmethod
    async def create(self) -> None:
        """A new empty index, replacing whatever (missing, corrupt, outdated) was there."""

    @abstractmethod
    def writer(self, *, replace_all: bool = False) -> AbstractAsyncContextManager[IndexWriter]:
        """Exclusive writer; commits on a clean exit, discards on an exception.

        With `replace_all`, the commit replaces the whole index by what was written (a rebuild
        that readers see all at once, never half done).
        """

    @abstractmethod
    async def query(self, request: SearchRequest) -> SearchResult:
        """Hits (ranked, `offset`/`limit`), total and facet counts within `allowed_types`."""
