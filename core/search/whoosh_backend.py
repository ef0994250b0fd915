"""The embedded whoosh backend: one index under `<data_dir>/search/`.

The only module that imports whoosh. Every call into whoosh runs in a worker thread, never on the
event loop. Writers are exclusive: an asyncio lock orders them inside the process, whoosh's file
lock (waited for up to `lock_timeout`) across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from collections.abc import AsyncIterator, Collection, Sequence
from pathlib import Path
from typing import Any

from whoosh import fields, highlight, index, qparser, query, sorting
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map
from whoosh.writing import CLEAR

from core.search.backend import (
    IndexState,
    IndexStatus,
    IndexWriter,
    QuerySyntaxError,
    SearchBackend,
    SearchHit,
    SearchRequest,
    SearchResult,
)
from core.search.dates import date_terms, day_key, month_key, year_key
from core.search.documents import (
    KEYWORD_FIELDS,
    PUBLIC_AUDIENCE,
    QUERY_FIELDS,
    TEXT_FIELDS,
    SearchDocument,
)

log = logging.getLogger("ncen.search")

INDEX_NAME = "ncen"
# Bump when the schema below changes: an index of another version is rebuilt at start-up.
SCHEMA_VERSION = 2
VERSION_FILE = "schema-version.json"
MAX_FUZZY_DISTANCE = 2
SNIPPETS = 3

# No stop words and no stemming: records are in many languages; accents are folded.
_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def _schema() -> fields.Schema:
    schema = fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        record_id=fields.ID(stored=True),
        entity_type=fields.ID(stored=True),
        module=fields.ID(stored=True),
        title=fields.TEXT(analyzer=_ANALYZER, stored=True, field_boost=2.0),
        content=fields.TEXT(analyzer=_ANALYZER, stored=True),
        date=fields.ID(stored=True),
        month=fields.ID(),
        year=fields.ID(),
        audience=fields.KEYWORD(commas=True),
    )
    for name in KEYWORD_FIELDS:
        schema.add(name, fields.KEYWORD(lowercase=True, commas=True, scorable=True))
    return schema


def _fields_of(doc: SearchDocument) -> dict[str, Any]:
    values: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "record_id": doc.id,
        "entity_type": doc.entity_type,
        "module": doc.module,
        "title": doc.title,
        "content": doc.content,
        "audience": PUBLIC_AUDIENCE
        if doc.audience is None
        else ",".join(token.replace(",", " ") for token in doc.audience),
    }
    if doc.date is not None:
        values.update(date=day_key(doc.date), month=month_key(doc.date), year=year_key(doc.date))
    for name, items in doc.keywords.items():
        cleaned = [str(item).replace(",", " ").strip() for item in items]
        values[name] = ",".join(item for item in cleaned if item)
    return values


def _any_of(field: str, values: Collection[str]) -> query.Query:
    return query.Or([query.Term(field, value) for value in values])


def _texts(terms: Any) -> list[str]:
    return [t.decode() if isinstance(t, bytes) else str(t) for t in terms]


class _WhooshWriter(IndexWriter):
    def __init__(self, writer: Any) -> None:
        self._writer = writer
        self.purge = False

    def purge_on_commit(self) -> None:
        self.purge = True

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        def run() -> None:
            for doc in docs:
                self._writer.update_document(**_fields_of(doc))

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
        self._parser = self._make_parser()

    # --- opening -----------------------------------------------------------------------------

    def _make_parser(self) -> qparser.QueryParser:
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), self.schema)
        # Keep unknown `field:` prefixes as fields so that they can be refused, not searched as text.
        parser.remove_plugin_class(qparser.FieldsPlugin)
        parser.add_plugin(qparser.FieldsPlugin(remove_unknown=False))
        parser.add_plugin(qparser.FuzzyTermPlugin())
        return parser

    def _version_path(self) -> Path:
        return self.path / VERSION_FILE

    def _open(self) -> Any:
        if self._index is None:
            self._index = index.open_dir(str(self.path), indexname=INDEX_NAME)
        return self._index

    def _status(self) -> IndexStatus:
        try:
            exists = self.path.is_dir() and index.exists_in(str(self.path), indexname=INDEX_NAME)
        except Exception as exc:  # a table of contents that cannot be read
            self._index = None
            return IndexStatus(IndexState.CORRUPT, f"{type(exc).__name__}: {exc}")
        if not exists:
            self._index = None
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
            self._index = None
            ix = self._open()
            counts: dict[tuple[str, str], int] = {}
            with ix.searcher() as searcher:
                facets = [sorting.FieldFacet("module"), sorting.FieldFacet("entity_type")]
                pair = sorting.MultiFacet(facets)
                results = searcher.search(
                    query.Every(), limit=None, groupedby={"pair": pair}, maptype=sorting.Count
                )
                for key, count in results.groups("pair").items():
                    counts[(str(key[0]), str(key[1]))] = count
            return IndexStatus(IndexState.OK, f"{ix.doc_count()} documents", counts)
        except Exception as exc:  # any failure to read the files means corruption
            self._index = None
            return IndexStatus(IndexState.CORRUPT, f"{type(exc).__name__}: {exc}")

    async def status(self) -> IndexStatus:
        return await asyncio.to_thread(self._status)

    def _create(self) -> None:
        # The directory holds nothing but this index: start from nothing, whatever was there.
        self._index = None
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
            raw = await asyncio.to_thread(lambda: self._open().writer(timeout=self.lock_timeout))
            writer = _WhooshWriter(raw)
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

    # --- reading -----------------------------------------------------------------------------

    def _parse(self, text: str) -> query.Query:
        if not text.strip():
            return query.Every()
        try:
            parsed = self._parser.parse(text)
        except Exception as exc:  # whoosh is lenient; anything it still refuses is a syntax error
            raise QuerySyntaxError(f"cannot parse the query: {exc}") from None
        for leaf in parsed.leaves():
            name = getattr(leaf, "fieldname", None)
            if name is not None and name not in QUERY_FIELDS:
                raise QuerySyntaxError(
                    f"unknown field {name!r}; fields: {', '.join(sorted(QUERY_FIELDS))}",
                    code="UNKNOWN_FIELD",
                )
            if isinstance(leaf, query.FuzzyTerm) and leaf.maxdist > MAX_FUZZY_DISTANCE:
                raise QuerySyntaxError(
                    f"fuzzy distance {leaf.maxdist} is above {MAX_FUZZY_DISTANCE}", code="FUZZY"
                )
        return parsed

    def _filter(self, request: SearchRequest, searcher: Any) -> query.Query | None:
        """Everything that restricts *which* documents count: types, dates, keyword filters."""
        parts: list[query.Query] = [self._visibility(request)]
        if request.date_from is not None or request.date_to is not None:
            years = {int(y) for y in _texts(searcher.lexicon("year")) if y.isdigit()}
            terms = date_terms(request.date_from, request.date_to, years)
            if not terms:
                return None
            parts.append(
                query.Or(
                    [query.Term("year", y) for y in terms.years]
                    + [query.Term("month", m) for m in terms.months]
                    + [query.Term("date", d) for d in terms.days]
                )
            )
        for name, values in request.filters.items():
            tokens = {
                token
                for value in values
                for token in self.schema[name].process_text(value, mode="query")
            }
            if not tokens:
                return None
            parts.append(_any_of(name, sorted(tokens)))
        return query.And(parts)

    @staticmethod
    def _visibility(request: SearchRequest) -> query.Query:
        """Types seen whole, or per type: public documents and those of the caller's tokens."""
        whole = sorted(t for t, tokens in request.allowed_types.items() if tokens is None)
        branches: list[query.Query] = [_any_of("entity_type", whole)] if whole else []
        for entity_type, tokens in sorted(request.allowed_types.items()):
            if tokens is not None:
                audience = _any_of("audience", sorted({PUBLIC_AUDIENCE, *tokens}))
                branches.append(query.And([query.Term("entity_type", entity_type), audience]))
        return query.Or(branches)

    def _query(self, request: SearchRequest) -> SearchResult:
        parsed = self._parse(request.text)
        empty = SearchResult(hits=[], total=0, modules={}, entity_types={})
        if not request.allowed_types or parsed is query.NullQuery:
            return empty
        ix = self._open()
        with ix.searcher() as searcher:
            restriction = self._filter(request, searcher.reader())
            if restriction is None:
                return empty
            results = searcher.search(
                parsed,
                filter=restriction,
                limit=max(request.offset + request.limit, 1),
                groupedby=[sorting.FieldFacet("module"), sorting.FieldFacet("entity_type")],
                maptype=sorting.Count,
                terms=True,
            )
            results.formatter = highlight.HtmlFormatter(tagname="mark", classname="match")
            results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=40)
            hits = []
            for hit in results[request.offset : request.offset + request.limit]:
                snippets = [
                    text
                    for text in (
                        hit.highlights("title", top=1),
                        hit.highlights("content", top=SNIPPETS),
                    )
                    if text
                ]
                hits.append(
                    SearchHit(
                        entity_type=hit["entity_type"],
                        id=hit["record_id"],
                        module=hit["module"],
                        score=float(hit.score or 0.0),
                        snippets=snippets,
                    )
                )
            return SearchResult(
                hits=hits,
                total=len(results),
                modules={str(k): v for k, v in results.groups("module").items()},
                entity_types={str(k): v for k, v in results.groups("entity_type").items()},
            )

    async def query(self, request: SearchRequest) -> SearchResult:
        return await asyncio.to_thread(self._query, request)
