"""The embedded whoosh backend: one index under `<data_dir>/search/`.

The only module that imports whoosh. Every call into whoosh runs in a worker thread, never on the
event loop. Writers are exclusive: an asyncio lock orders them inside the process, whoosh's file
lock (waited for up to `lock_timeout`) across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Hashable,
    Iterator,
    Mapping,
    Sequence,
)
from pathlib import Path
from typing import Any

from whoosh import highlight, index, qparser, query
from whoosh.writing import CLEAR

from core.internals import merge_matched_tokens, pin_expansion, term_expansion
from core.search import query_language
from core.search.backend import (
    QUERY_TOO_BROAD,
    SEARCH_TIMEOUT,
    IndexState,
    IndexStatus,
    IndexWriter,
    SearchBackend,
    SearchHit,
    SearchLimitError,
    SearchRequest,
    SearchResult,
)
from core.search.dates import date_terms
from core.search.documents import (
    PUBLIC_AUDIENCE,
    TEXT_FIELDS,
    SearchDocument,
)

log = logging.getLogger("ncen.search")

INDEX_NAME = "ncen"
# Bump when the schema below changes: an index of another version is rebuilt at start-up.
SCHEMA_VERSION = 2
VERSION_FILE = "schema-version.json"
SNIPPETS = 3

# Posting pool of a rebuild's writer (whoosh's estimate, ~190 bytes per posting): about 5M
# postings, 100k documents, sorted in memory; larger rebuilds spill sorted runs to disk.
REBUILD_POOL_MB = 1024
# Per index generation: combined restrictions kept (visibility, date ranges, keyword filters),
# and single-term document sets (a day of dates, a country...) before the cache starts afresh.
CACHED_SETS = 64
CACHED_TERMS = 4096
# Answers kept for the current index generation, by request (`_Answers`), and parsed query
# texts (parsing depends on the text alone).
CACHED_ANSWERS = 256
CACHED_PARSES = 512

_FRAGMENTER = highlight.ContextFragmenter(maxchars=200, surround=40)
_FRAGMENT_SCORER = highlight.BasicFragmentScorer()
_schema = query_language.schema
_fields_of = query_language.fields_of
_shown = query_language.shown


def _texts(terms: Any) -> list[str]:
    return [t.decode() if isinstance(t, bytes) else str(t) for t in terms]


# Index words read between two looks at the clock while a pattern is expanded.
CLOCK_EVERY = 512


class _Budget:
    """The deadline and expansion cap of one request, checked between the steps of a query."""

    def __init__(self, request: SearchRequest) -> None:
        self.deadline = request.deadline
        self.max_expansions = request.max_expansions

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise SearchLimitError("the search ran out of time", SEARCH_TIMEOUT)

    def expand(self, q: query.MultiTerm, reader: Any) -> list[bytes]:
        """The index words of a fuzzy, wildcard, prefix or range term, within the caps.

        Expanding a fuzzy term reads every word of the field that shares its first letter and
        measures its distance, in Python: the clock is looked at as it goes."""
        words: list[bytes] = []
        for count, word in enumerate(term_expansion(q, reader), 1):
            words.append(word)
            if self.max_expansions is not None and count > self.max_expansions:
                raise SearchLimitError(
                    f"{_shown(q)} matches more than {self.max_expansions} words of the index; "
                    "make it more specific",
                    QUERY_TOO_BROAD,
                )
            if count % CLOCK_EVERY == 0:
                self.check()
        self.check()
        return words


def _expanded_once(q: query.Query, reader: Any, budget: _Budget) -> query.Query:
    """The query with each fuzzy, wildcard or prefix term expanded once, up front.

    A query is run in two passes (matched set, top N) and then highlighted; whoosh would walk
    the lexicon for every multi-term at each step. The copies keep their own matcher (and so
    their scoring); they only remember the expansion.
    """
    if isinstance(q, query.MultiTerm):
        return pin_expansion(q, budget.expand(q, reader))
    if not any(isinstance(leaf, query.MultiTerm) for leaf in q.leaves()):
        return q
    return q.apply(lambda child: _expanded_once(child, reader, budget))


def _positional(q: query.Query) -> bool:
    """Whether matching the query reads term positions (phrases, spans)."""
    if isinstance(q, (query.Phrase, query.Sequence, query.SpanQuery)):
        return True
    return any(_positional(child) for child in q.children())


def _request_key(request: SearchRequest) -> Hashable:
    """Everything of a request its answer depends on, but the deadline."""
    return (
        request.text,
        tuple(
            sorted(
                (entity_type, None if tokens is None else tuple(sorted(tokens)))
                for entity_type, tokens in request.allowed_types.items()
            )
        ),
        request.date_from,
        request.date_to,
        tuple(sorted((name, tuple(values)) for name, values in request.filters.items())),
        request.offset,
        request.limit,
        request.max_expansions,
        request.snippets,
        request.facets,
        request.exact_total_limit,
    )


class _Answers:
    """The answers computed on one index generation, by request, until another generation is
    seen (a commit of this process or another, or a new index).

    A search box sends the same query again (the next page, a refresh, colleagues looking up
    the same case), and whoosh, in pure Python, scores every match to rank a page: ~1 ms for a
    hundred matches. An answer depends on nothing but the request (the caller's visibility is
    part of it: entity types and audience tokens) and the index, which only a commit changes;
    the records of the hits are read from the database at every request as before, so a hit
    whose record was changed or deleted since is served as it is now, or not at all, as
    without the cache. Looked up on the event loop (a directory listing: the generation) and
    filled from the worker threads, hence the lock.
    """

    def __init__(self, size: int = CACHED_ANSWERS) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._items: OrderedDict[Hashable, SearchResult] = OrderedDict()
        self._size = size

    def get(self, generation: int, key: Hashable) -> SearchResult | None:
        with self._lock:
            if generation != self._generation:
                self._generation = None
                self._items.clear()
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, generation: int, key: Hashable, answer: SearchResult) -> None:
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._items.clear()
            self._items[key] = answer
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._generation = None
            self._items.clear()


class _View:
    """One open searcher and the document sets queries derive from its index generation.

    Whoosh caches no query filter and builds facet categorizers per searcher, so a searcher per
    query costs O(index size) before any matching. A view lives until a commit makes a new
    generation; its sets are what the restriction and facet counts intersect.
    """

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.generation = searcher.reader().generation()
        self._lexicons: dict[str, list[str]] = {}
        self._terms: dict[tuple[str, str], frozenset[int]] = {}
        self._sets: OrderedDict[Hashable, frozenset[int] | None] = OrderedDict()

    def close(self) -> None:
        self.searcher.close()

    def lexicon(self, fieldname: str) -> list[str]:
        """Every term of the field (also of deleted documents, until a merge)."""
        found = self._lexicons.get(fieldname)
        if found is None:
            found = self._lexicons[fieldname] = _texts(self.searcher.lexicon(fieldname))
        return found

    def docs(self, fieldname: str, text: str) -> frozenset[int]:
        """Live documents holding one exact term."""
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) >= CACHED_TERMS:
                self._terms.clear()
            found = frozenset(self.searcher.docs_for_query(query.Term(fieldname, text)))
            self._terms[key] = found
        return found

    def _union(self, terms: Collection[tuple[str, str]]) -> frozenset[int]:
        found: set[int] = set()
        for fieldname, text in terms:
            found |= self.docs(fieldname, text)
        return frozenset(found)

    def _cached(
        self, key: Hashable, build: Callable[[], frozenset[int] | None]
    ) -> frozenset[int] | None:
        if key in self._sets:
            self._sets.move_to_end(key)
            return self._sets[key]
        value = self._sets[key] = build()
        if len(self._sets) > CACHED_SETS:
            self._sets.popitem(last=False)
        return value

    def visible(self, allowed: Mapping[str, Collection[str] | None]) -> frozenset[int] | None:
        """Documents of the types seen whole, and per type public documents and those of the
        caller's audience tokens; None when the caller sees every type in the index whole."""
        key = (
            "visible",
            frozenset(
                (t, None if tokens is None else frozenset(tokens)) for t, tokens in allowed.items()
            ),
        )

        def build() -> frozenset[int] | None:
            whole = {t for t, tokens in allowed.items() if tokens is None}
            if whole.issuperset(self.lexicon("entity_type")):
                return None
            found = set(self._union([("entity_type", t) for t in whole]))
            for entity_type, tokens in allowed.items():
                if tokens is not None:
                    audience = self._union(
                        [("audience", token) for token in {PUBLIC_AUDIENCE, *tokens}]
                    )
                    found |= self.docs("entity_type", entity_type) & audience
            return frozenset(found)

        return self._cached(key, build)

    def dated(self, date_from: dt.date | None, date_to: dt.date | None) -> frozenset[int]:
        """Documents dated within the inclusive range, from year, month and day terms."""

        def build() -> frozenset[int]:
            years = {int(y) for y in self.lexicon("year") if y.isdigit()}
            terms = date_terms(date_from, date_to, years)
            return self._union(
                [("year", y) for y in terms.years]
                + [("month", m) for m in terms.months]
                + [("date", d) for d in terms.days]
            )

        found = self._cached(("dated", date_from, date_to), build)
        assert found is not None
        return found

    def any_of(self, fieldname: str, texts: Collection[str]) -> frozenset[int]:
        key = ("any", fieldname, frozenset(texts))
        found = self._cached(key, lambda: self._union([(fieldname, t) for t in texts]))
        assert found is not None
        return found

    def matching(self, parsed: query.Query) -> set[int]:
        """Live documents matching the query, unscored."""
        return set(self.searcher.docs_for_query(parsed))

    def pair_counts(self) -> dict[tuple[str, str], int]:
        """Live documents per (module, entity type), from their term postings."""
        pairs = {
            (module, entity_type): len(
                self.docs("module", module) & self.docs("entity_type", entity_type)
            )
            for module in self.lexicon("module")
            for entity_type in self.lexicon("entity_type")
        }
        return {pair: count for pair, count in pairs.items() if count}

    def counts(self, fieldname: str, docs: set[int] | frozenset[int]) -> dict[str, int]:
        """Facet counts of live `docs` per value of `module` or `entity_type`.

        Every document has exactly one value of these fields, so the most frequent value gets
        what the others leave: its set, the largest (often every document), is never built,
        which is most of the cost of the first query after a commit.
        """
        values = self.lexicon(fieldname)
        if not values:
            return {}
        largest = max(values, key=lambda value: self.searcher.doc_frequency(fieldname, value))
        counts = {
            value: len(docs & self.docs(fieldname, value)) for value in values if value != largest
        }
        counts[largest] = len(docs) - sum(counts.values())
        return {value: count for value, count in counts.items() if count}


class _WhooshWriter(IndexWriter):
    def __init__(self, writer: Any, *, fresh: bool = False) -> None:
        self._writer = writer
        self.purge = False
        # In a rebuild whose commit replaces the whole index there is nothing to update: adding
        # skips whoosh's delete-by-term lookup per document.
        self._fresh: set[str] | None = set() if fresh else None

    def purge_on_commit(self) -> None:
        self.purge = True

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        def run() -> None:
            fresh = self._fresh
            for doc in docs:
                if fresh is None:
                    self._writer.update_document(**_fields_of(doc))
                    continue
                if doc.doc_id in fresh:
                    raise ValueError(f"{doc.doc_id} written twice in one rebuild")
                fresh.add(doc.doc_id)
                self._writer.add_document(**_fields_of(doc))

        await asyncio.to_thread(run)

    async def delete(self, doc_ids: Sequence[str]) -> None:
        def run() -> None:
            for key in doc_ids:
                self._writer.delete_by_term("doc_id", key)

        await asyncio.to_thread(run)

    async def delete_types(self, entity_types: Collection[str]) -> None:
        def run() -> None:
            for entity_type in entity_types:
                self._writer.delete_by_term("entity_type", entity_type)

        await asyncio.to_thread(run)


class WhooshBackend(SearchBackend):
    def __init__(self, path: Path, *, lock_timeout: float = 60.0) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self.schema = _schema()
        self._write_lock = asyncio.Lock()
        self._index: Any = None
        # The open view of the index, shared by queries one at a time (a whoosh searcher is not
        # meant for concurrent threads); replaced when a commit makes a new generation.
        self._view: _View | None = None
        self._view_lock = threading.Lock()
        self._parser = self._make_parser()
        self._answers = _Answers()
        self._parsed: OrderedDict[str, query.Query] = OrderedDict()
        self._parsed_lock = threading.Lock()

    # --- opening -----------------------------------------------------------------------------

    def _make_parser(self) -> qparser.QueryParser:
        return query_language.make_parser(self.schema)

    def _version_path(self) -> Path:
        return self.path / VERSION_FILE

    def _open(self) -> Any:
        if self._index is None:
            self._index = index.open_dir(str(self.path), indexname=INDEX_NAME)
        return self._index

    def _close_view(self) -> None:
        """Release the searcher: after a commit, and so that files an erasure merged away are
        no longer held open."""
        with self._view_lock:
            if self._view is not None:
                self._view.close()
                self._view = None

    def clear_repeats(self) -> None:
        """Drop the answers and parsed queries kept for repeated requests: the benchmarks of
        search itself time every query as if it were new."""
        self._answers.clear()
        with self._parsed_lock:
            self._parsed.clear()

    def _forget(self) -> None:
        """Drop the open index (replaced, missing or unreadable), its view and answers."""
        self._close_view()
        self._answers.clear()
        self._index = None

    @contextlib.contextmanager
    def _reading(self, budget: _Budget | None = None) -> Iterator[_View]:
        """The view, once the queries before have let go of it (waiting no longer than the
        budget's deadline)."""
        deadline = budget.deadline if budget is not None else None
        timeout = -1.0 if deadline is None else max(deadline - time.monotonic(), 0.0)
        if not self._view_lock.acquire(timeout=timeout):
            raise SearchLimitError("the search ran out of time", SEARCH_TIMEOUT)
        try:
            ix = self._open()
            view = self._view
            if view is None or view.generation != ix.latest_generation():
                if view is not None:
                    view.close()
                view = self._view = _View(ix.searcher())
            yield view
        finally:
            self._view_lock.release()

    def _status(self) -> IndexStatus:
        try:
            exists = self.path.is_dir() and index.exists_in(str(self.path), indexname=INDEX_NAME)
        except Exception as exc:  # a table of contents that cannot be read
            self._forget()
            return IndexStatus(IndexState.CORRUPT, f"{type(exc).__name__}: {exc}")
        if not exists:
            self._forget()
            return IndexStatus(IndexState.MISSING, f"no index in {self.path}")
        try:
            version = json.loads(self._version_path().read_text())["version"]
        except (OSError, ValueError, KeyError, TypeError):
            version = None
        if version != SCHEMA_VERSION:
            return IndexStatus(
                IndexState.OUTDATED, f"schema version {version}, need {SCHEMA_VERSION}"
            )
        try:
            self._forget()
            with self._reading() as view:
                counts = view.pair_counts()
                total = view.searcher.doc_count()
            return IndexStatus(IndexState.OK, f"{total} documents", counts)
        except Exception as exc:  # any failure to read the files means corruption
            self._forget()
            return IndexStatus(IndexState.CORRUPT, f"{type(exc).__name__}: {exc}")

    async def status(self) -> IndexStatus:
        return await asyncio.to_thread(self._status)

    def _create(self) -> None:
        # The directory holds nothing but this index: start from nothing, whatever was there.
        self._forget()
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        self._index = index.create_in(str(self.path), self.schema, indexname=INDEX_NAME)
        self._version_path().write_text(json.dumps({"version": SCHEMA_VERSION}) + "\n")

    async def create(self) -> None:
        async with self._write_lock:
            await asyncio.to_thread(self._create)

    # --- writing -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def writer(self, *, replace_all: bool = False) -> AsyncIterator[IndexWriter]:
        async with self._write_lock:
            # A rebuild sorts all its postings at once: a bigger pool than whoosh's 128 MB
            # avoids spilling sorted runs to disk and merging them back (~40% of the commit at
            # 90k documents).
            limitmb = REBUILD_POOL_MB if replace_all else 128
            raw = await asyncio.to_thread(
                lambda: self._open().writer(timeout=self.lock_timeout, limitmb=limitmb)
            )
            writer = _WhooshWriter(raw, fresh=replace_all)
            try:
                yield writer
            except BaseException:
                await asyncio.to_thread(raw.cancel)
                raise
            if replace_all:
                await asyncio.to_thread(raw.commit, mergetype=CLEAR)
            elif writer.purge:
                # Deleted documents stay in segment files until a merge rewrites them: an
                # erasure merges everything now (costly, and rare).
                await asyncio.to_thread(raw.commit, optimize=True)
            else:
                await asyncio.to_thread(raw.commit)
            await asyncio.to_thread(self._close_view)

    # --- reading -----------------------------------------------------------------------------

    def _parse(self, text: str) -> query.Query:
        """The query tree of `text`, parsed once (whoosh's parser costs as much as matching a
        hundred documents); the trees are never changed, only copied (`_expanded_once`)."""
        with self._parsed_lock:
            found = self._parsed.get(text)
            if found is not None:
                self._parsed.move_to_end(text)
                return found
        parsed = query_language.parse(self._parser, text)
        with self._parsed_lock:
            self._parsed[text] = parsed
            if len(self._parsed) > CACHED_PARSES:
                self._parsed.popitem(last=False)
        return parsed

    def _restriction(self, view: _View, request: SearchRequest) -> frozenset[int] | None:
        """The documents the request may return (visibility, dates, keyword filters), or None
        when nothing is restricted; every part is cached for the index generation."""
        parts = [view.visible(request.allowed_types)]
        if request.date_from is not None or request.date_to is not None:
            parts.append(view.dated(request.date_from, request.date_to))
        for name, values in sorted(request.filters.items()):
            tokens = {
                token
                for value in values
                for token in self.schema[name].process_text(value, mode="query")
            }
            parts.append(view.any_of(name, tokens))
        restricting = sorted((p for p in parts if p is not None), key=len)
        if not restricting:
            return None
        allowed = restricting[0]
        for part in restricting[1:]:
            allowed = allowed & part
        return allowed

    def _highlighter(self, view: _View, parsed: query.Query) -> Callable[[str, str, int], str]:
        """Highlights the stored text of a hit with the query's terms in that field (wildcards and
        fuzzy terms expanded), re-tokenised, as whoosh's highlighter does with matched terms: a
        negated term is never in the field of a hit, so query terms and matched terms agree."""
        words: dict[str, frozenset[str]] = {}
        for fieldname in TEXT_FIELDS:
            field = self.schema[fieldname]
            found = parsed.existing_terms(view.searcher.reader(), fieldname=fieldname, expand=True)
            words[fieldname] = frozenset(field.from_bytes(text) for _name, text in found)
        formatter = highlight.HtmlFormatter(tagname="mark", classname="match")

        def snippet(fieldname: str, text: str, top: int) -> str:
            if not text or not words[fieldname]:
                return ""
            tokens = self.schema[fieldname].analyzer(
                text, positions=True, chars=True, mode="index", removestops=False
            )
            tokens = highlight.set_matched_filter(tokens, words[fieldname])
            tokens = merge_matched_tokens(tokens)
            fragments = _FRAGMENTER.fragment_tokens(text, tokens)
            best = highlight.top_fragments(fragments, top, _FRAGMENT_SCORER, highlight.FIRST)
            return str(formatter.format(best))

        return snippet

    def _query(self, request: SearchRequest) -> SearchResult:
        parsed = self._parse(request.text)
        empty = SearchResult(hits=[], total=0, modules={}, entity_types={})
        if not request.allowed_types or parsed is query.NullQuery:
            return empty
        budget = _Budget(request)
        with self._reading(budget) as view:
            answer = self._answer(view, parsed, request, budget)
            self._answers.put(view.generation, _request_key(request), answer)
            return answer

    def _answer(
        self, view: _View, parsed: query.Query, request: SearchRequest, budget: _Budget
    ) -> SearchResult:
        empty = SearchResult(hits=[], total=0, modules={}, entity_types={})
        allowed = self._restriction(view, request)
        if allowed is not None and not allowed:
            return empty
        parsed = _expanded_once(parsed, view.searcher.reader(), budget)
        if _positional(parsed):
            # Matching a phrase reads positions, which costs more than scoring: one scored
            # pass over every match gives both the matched set and the ranking.
            ranked = view.searcher.search(parsed, limit=None).top_n
            if allowed is not None:
                ranked = [(score, docnum) for score, docnum in ranked if docnum in allowed]
            matched = {docnum for _score, docnum in ranked}
            page = ranked[request.offset : request.offset + request.limit]
        else:
            # Total and facets from document-id sets (set operations in C), so that only
            # the top N is scored: whoosh skips the blocks that cannot reach it.
            matched = view.matching(parsed)
            if allowed is not None:
                matched &= allowed  # iterates the smaller of the two
            if not matched:  # whoosh reads an empty filter set as "no filter"
                return empty
            budget.check()
            results = view.searcher.search(
                parsed,
                limit=request.offset + max(request.limit, 1),
                filter=matched if allowed is not None else None,
            )
            page = results.top_n[request.offset : request.offset + request.limit]
        if not matched:
            return empty
        budget.check()
        snippet = self._highlighter(view, parsed) if request.snippets else None
        hits = []
        for score, docnum in page:
            budget.check()
            stored = view.searcher.stored_fields(docnum)
            snippets = (
                [
                    text
                    for text in (
                        snippet("title", stored.get("title", ""), 1),
                        snippet("content", stored.get("content", ""), SNIPPETS),
                    )
                    if text
                ]
                if snippet is not None
                else []
            )
            hits.append(
                SearchHit(
                    entity_type=stored["entity_type"],
                    id=stored["record_id"],
                    module=stored["module"],
                    score=float(score or 0.0),
                    snippets=snippets,
                )
            )
        return SearchResult(
            hits=hits,
            total=len(matched),
            modules=view.counts("module", matched) if request.facets else {},
            entity_types=view.counts("entity_type", matched) if request.facets else {},
        )

    async def query(self, request: SearchRequest) -> SearchResult:
        key = _request_key(request)
        generation = self._generation()
        if generation is not None:
            found = self._answers.get(generation, key)
            if found is not None:
                return found
        return await asyncio.to_thread(self._query, request)

    def _generation(self) -> int | None:
        """The latest generation of the open index (a directory listing), or None when the
        index is not open yet or cannot be read (the query then finds out in its thread)."""
        ix = self._index
        if ix is None:
            return None
        try:
            return int(ix.latest_generation())
        except Exception:  # missing or replaced: the query's own opening deals with it
            return None
