"""PostgreSQL full-text search: the index is a table of the instance's own database.

Nothing lives on an app server's disk, so any number of `ncen serve` processes on any number of
hosts share one index, and a commit by one is seen by the next query of every other.

One row per document. Its `tsv` holds every searchable word of the document, analysed by the
query language's analyzer in Python (core/search/query_language.py), so that both backends cut
text into the same words without any PostgreSQL extension: title words with weight A, content
words with weight B (phrases and fields use the weights). The exact-match fields are in their
own `keywords` array as `field=value` strings (`countries=be`, `module=cargo`,
`entity_type=Shipment`, `date=2026-03-05`, `month=2026-03`, `year=2026`), with a GIN index of
its own: a filter on a keyword field is an array containment the planner can weigh against the
text and date indexes, as it would for a plain `text[]` column.

A query tree compiles to one `tsquery` (a GIN index scan) plus SQL predicates for what a
tsquery does not hold (keywords, ranges of dates). Visibility, dates and keyword filters are
applied inside the same SQL, so hits, totals and facet counts never include a document the
caller may not see. Fuzzy, wildcard and range terms are expanded against `core_search_word`, the
vocabulary of the index, with the same caps as whoosh.

The tables are created and changed by core's migrations (core_0021); the backend only fills
them. Their rows are derived from the database and rebuilt from the records whenever the state
row is missing or of another version.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from whoosh import highlight, query
from whoosh import query as whoosh_query

from core.db import Database
from core.errors import NcenError
from core.internals import merge_matched_tokens
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
from core.search.documents import KEYWORD_FIELDS, PUBLIC_AUDIENCE, TEXT_FIELDS, SearchDocument

DOCUMENTS = "core_search_document"
TEXTS = "core_search_text"
WORDS = "core_search_word"
STATE = "core_search_state"
# Created and changed by core's migrations (core_0021 and later), never by the backend.
TABLES = (TEXTS, DOCUMENTS, WORDS, STATE)
# The version of what the rows hold (how documents become lexemes and keywords), kept in the
# state row by the build that wrote them: another version (or no row: tables a migration just
# made, or whose data a backup left out) means a rebuild at start-up. A change of the tables'
# layout is a migration, which empties the state row.
SCHEMA_VERSION = 3
# pg_advisory_xact_lock(namespace, key): one index writer at a time across every process.
_LOCK_NAMESPACE = 7301005
_WRITER_KEY = 1
_CREATE_KEY = 2

SNIPPETS = 3
# PostgreSQL limits: positions 1..16383, 256 positions per lexeme, lexemes under 2 KB.
MAX_POSITION = 16383
MAX_POSITIONS = 256
MAX_LEXEME_BYTES = 2000
# Exact-match fields as `field=value` in the `keywords` array (text words never contain "=").
_EXACT_FIELDS = ("entity_type", "module", "date", "month", "year", *KEYWORD_FIELDS)
_DATE_FIELDS = {"date": "day", "month": "month", "year": "year"}
_WEIGHT = {"title": "A", "content": "B"}

_FRAGMENTER = highlight.ContextFragmenter(maxchars=200, surround=40)
_FRAGMENT_SCORER = highlight.BasicFragmentScorer()

# --- documents to lexemes ----------------------------------------------------------------------


def _quote(word: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, with quotes and backslashes escaped."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _exact(fieldname: str, value: str) -> str:
    return f"{fieldname}={value}"


class _Lexemes:
    """Lexeme -> positions with their weight letter, written as a tsvector literal."""

    def __init__(self) -> None:
        self.positions: dict[str, list[str]] = defaultdict(list)

    def add(self, word: str, position: int, weight: str) -> None:
        if len(word.encode()) > MAX_LEXEME_BYTES:
            return
        found = self.positions[word]
        if len(found) < MAX_POSITIONS:
            found.append(f"{min(max(position, 1), MAX_POSITION)}{weight}")

    def literal(self) -> str:
        return " ".join(
            f"{_quote(word)}:{','.join(places)}" for word, places in self.positions.items()
        )


def document_row(doc: SearchDocument, schema: Any) -> tuple[dict[str, Any], set[str]]:
    """The table row of a document, and its words and keywords (for the vocabulary)."""
    values = query_language.fields_of(doc)
    lexemes = _Lexemes()
    offset = 0
    for fieldname in TEXT_FIELDS:
        last = 0
        for token in schema[fieldname].analyzer(values[fieldname], positions=True):
            last = offset + token.pos + 1
            lexemes.add(token.text, last, _WEIGHT[fieldname])
        offset = last + 1
    keywords: set[str] = set()
    for fieldname in _EXACT_FIELDS:
        value = values.get(fieldname)
        if value:
            for word in schema[fieldname].process_text(value, mode="index"):
                if len(word.encode()) <= MAX_LEXEME_BYTES:
                    keywords.add(_exact(fieldname, word))
    row = {
        "doc_id": doc.doc_id,
        "record_id": doc.id,
        "entity_type": doc.entity_type,
        "module": doc.module,
        "title": doc.title,
        "content": doc.content,
        "day": values.get("date"),
        "month": values.get("month"),
        "year": values.get("year"),
        "audience": [PUBLIC_AUDIENCE] if doc.audience is None else list(doc.audience),
        "keywords": sorted(keywords),
        "tsv": lexemes.literal(),
    }
    return row, set(lexemes.positions) | keywords


# --- query trees to SQL ------------------------------------------------------------------------


@dataclass
class _Part:
    """A compiled piece: a tsquery (`ts`), or an SQL condition (`sql`); TRUE/FALSE as SQL."""

    ts: str | None = None
    sql: str | None = None


_TRUE = _Part(sql="TRUE")
_FALSE = _Part(sql="FALSE")


@dataclass
class _Compiled:
    where: str
    params: list[Any]
    rank: str | None  # a tsquery of the positive text terms, for ts_rank
    words: dict[str, set[str]] = field(default_factory=dict)  # highlighted words per field
    prefixes: dict[str, set[str]] = field(default_factory=dict)
    # Numbers the marked terms (term0, term1...) across the hits of one query, as whoosh does.
    formatter: Any = field(
        default_factory=lambda: highlight.HtmlFormatter(tagname="mark", classname="match")
    )


class _Compiler:
    """Compiles one whoosh query tree; patterns are expanded through `expand` (vocabulary)."""

    def __init__(self, expansions: dict[int, list[str]]) -> None:
        self.params: list[Any] = []
        self.expansions = expansions  # id(leaf) -> words, looked up before compiling
        self.positive: list[str] = []
        self.words: dict[str, set[str]] = defaultdict(set)
        self.prefixes: dict[str, set[str]] = defaultdict(set)

    def param(self, value: Any) -> str:
        """A positional parameter ($n) of the driver's statement."""
        self.params.append(value)
        return f"${len(self.params)}"

    def matches(self, ts: str) -> str:
        return f"tsv @@ {self.param(ts)}::text::tsquery"

    def as_sql(self, part: _Part) -> str:
        return part.sql if part.sql is not None else self.matches(part.ts or "")

    # leaves

    def _word(self, fieldname: str, word: str, *, prefix: bool, positive: bool) -> str:
        """A text word as a tsquery term (exact fields are in `keywords`, see `_keywords`)."""
        star = "*" if prefix else ""
        ts = f"{_quote(word)}:{star}{_WEIGHT[fieldname]}"
        if positive:
            (self.prefixes if prefix else self.words)[fieldname].add(word)
            self.positive.append(ts)
        return ts

    def _keywords(self, fieldname: str, words: Iterable[str], *, every: bool) -> _Part:
        """Exact fields filter through the `keywords` array's GIN index: all of `words`
        (`@>`) or any of them (`&&`). They do not rank (every match would score the same)."""
        values = sorted({_exact(fieldname, w) for w in words})
        if not values:
            return _TRUE if every else _FALSE
        operator = "@>" if every else "&&"
        return _Part(sql=f"keywords {operator} {self.param(values)}::text[]")

    def _any(self, fieldname: str, words: Iterable[str], positive: bool) -> _Part:
        if fieldname not in _WEIGHT:
            return self._keywords(fieldname, words, every=False)
        terms = [self._word(fieldname, w, prefix=False, positive=positive) for w in words]
        if not terms:
            return _FALSE
        return _Part(ts=terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")")

    def compile(self, q: whoosh_query.Query, positive: bool = True) -> _Part:
        if isinstance(q, query.Every):
            return _TRUE
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return _FALSE
        if isinstance(q, query.Term) and not isinstance(q, query.MultiTerm):
            if q.fieldname not in _WEIGHT:
                return self._keywords(q.fieldname, [q.text], every=True)
            return _Part(ts=self._word(q.fieldname, q.text, prefix=False, positive=positive))
        if isinstance(q, query.Phrase):
            if q.fieldname not in _WEIGHT:
                return self._keywords(q.fieldname, q.words, every=True)
            terms = [self._word(q.fieldname, w, prefix=False, positive=positive) for w in q.words]
            if not terms:
                return _TRUE
            joint = " <-> " if q.slop <= 1 else " & "
            return _Part(ts="(" + joint.join(terms) + ")")
        if isinstance(q, query.Prefix):
            if q.fieldname not in _WEIGHT:  # expanded against the vocabulary
                return self._any(q.fieldname, self.expansions.get(id(q), []), positive)
            return _Part(ts=self._word(q.fieldname, q.text, prefix=True, positive=positive))
        if isinstance(q, whoosh_query.TermRange) and q.fieldname in _DATE_FIELDS:
            return self._date_range(q)
        if isinstance(q, query.MultiTerm):  # wildcards, fuzzy terms, other ranges
            return self._any(q.fieldname, self.expansions.get(id(q), []), positive)
        if isinstance(q, query.Not):
            inner = self.compile(q.query, not positive)
            return self._not(inner)
        if isinstance(q, query.AndNot):
            return self._and([self.compile(q.a, positive), self._not(self.compile(q.b, False))])
        if isinstance(q, query.AndMaybe):
            self.compile(q.b, positive)  # ranks and highlights, never restricts
            return self.compile(q.a, positive)
        if isinstance(q, query.Require):
            return self._and([self.compile(q.a, positive), self.compile(q.b, positive)])
        if isinstance(q, (query.Or, query.DisjunctionMax)):
            both = self._in_both_fields(q, positive)
            if both is not None:
                return both
            return self._or([self.compile(child, positive) for child in q.subqueries])
        if isinstance(q, (query.And, query.Ordered)):
            return self._and([self.compile(child, positive) for child in q.subqueries])
        if isinstance(q, query.CompoundQuery):
            return self._and([self.compile(child, positive) for child in q.subqueries])
        if isinstance(q, query.WrappingQuery):
            return self.compile(q.child, positive)
        raise ValueError(f"cannot search with {type(q).__name__} on PostgreSQL")

    def _in_both_fields(self, q: whoosh_query.Query, positive: bool) -> _Part | None:
        """A word, prefix, fuzzy term or wildcard searched in the title or the content (how the
        parser reads a term without a field) as unweighted lexemes: the tsvector holds only
        title and content words, so they match the same documents, the GIN index answers them
        without reading each row again to check weights, and an expanded term is written once
        instead of once per field. Ranking reads the weights of the document."""
        subs = list(q.subqueries)
        if len(subs) != 2 or sorted(getattr(s, "fieldname", "") for s in subs) != sorted(
            TEXT_FIELDS
        ):
            return None
        kinds = {type(s) for s in subs}
        shapes = {_shape(s) for s in subs}
        if len(kinds) != 1 or len(shapes) != 1:
            return None
        kind = kinds.pop()
        if kind in (query.Term, query.Prefix):
            word = str(subs[0].text)
            prefix = kind is query.Prefix
            ts = _quote(word) + (":*" if prefix else "")
            if positive:
                for fieldname in TEXT_FIELDS:
                    (self.prefixes if prefix else self.words)[fieldname].add(word)
                self.positive.append(ts)
            return _Part(ts=ts)
        if kind in (whoosh_query.FuzzyTerm, query.Wildcard):
            words = self.expansions.get(id(subs[0]), [])
            if not words:
                return _FALSE
            terms = [_quote(w) for w in words]
            if positive:
                for fieldname in TEXT_FIELDS:
                    self.words[fieldname].update(words)
                self.positive.extend(terms)
            return _Part(ts=terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")")
        return None

    def _date_range(self, q: whoosh_query.TermRange) -> _Part:
        """Ranges of `date`, `month` and `year` compare the ISO keys, as whoosh does."""
        column = _DATE_FIELDS[q.fieldname]
        conditions = [f"{column} IS NOT NULL"]
        if q.start is not None:
            conditions.append(
                f"{column} {'>' if q.startexcl else '>='} {self.param(q.start)}::text"
            )
        if q.end is not None:
            conditions.append(f"{column} {'<' if q.endexcl else '<='} {self.param(q.end)}::text")
        return _Part(sql="(" + " AND ".join(conditions) + ")")

    def _not(self, part: _Part) -> _Part:
        if part is _TRUE:
            return _FALSE
        if part is _FALSE:
            return _TRUE
        if part.ts is not None:
            return _Part(ts=f"!{part.ts}")
        return _Part(sql=f"NOT {part.sql}")  # predicates here are never NULL

    def _and(self, parts: list[_Part]) -> _Part:
        parts = [p for p in parts if p is not _TRUE]
        if any(p is _FALSE for p in parts):
            return _FALSE
        if not parts:
            return _TRUE
        ts = [p.ts for p in parts if p.ts is not None]
        sql = [p.sql for p in parts if p.sql is not None]
        merged = "(" + " & ".join(ts) + ")" if len(ts) > 1 else (ts[0] if ts else None)
        if not sql:
            return _Part(ts=merged)
        if merged is not None:
            sql.insert(0, self.matches(merged))
        return _Part(sql="(" + " AND ".join(sql) + ")")

    def _or(self, parts: list[_Part]) -> _Part:
        parts = [p for p in parts if p is not _FALSE]
        if any(p is _TRUE for p in parts):
            return _TRUE
        if not parts:
            return _FALSE
        if all(p.ts is not None for p in parts):
            return _Part(ts="(" + " | ".join(p.ts or "" for p in parts) + ")")
        return _Part(sql="(" + " OR ".join(self.as_sql(p) for p in parts) + ")")


# --- the backend -------------------------------------------------------------------------------


class _PostgresWriter(IndexWriter):
    def __init__(self, conn: AsyncConnection, schema: Any, *, fresh: bool = False) -> None:
        self.conn = conn
        self.schema = schema
        # In a rebuild, a document written twice is a bug of the module's `ids`/`fetch`.
        self._fresh: set[str] | None = set() if fresh else None
        self.purge = False
        self.removed_words: set[str] = set()

    def purge_on_commit(self) -> None:
        # Nothing more to do: deleted rows are gone from every query at commit, and their words
        # leave the vocabulary at every commit (see forget_unused_words); the old row versions
        # are reclaimed by (auto)vacuum, as for every table of the database.
        self.purge = True

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        if not docs:
            return
        rows: dict[str, dict[str, Any]] = {}
        words: set[str] = set()
        words_of: dict[str, set[str]] = {}
        for doc in docs:
            if self._fresh is not None:
                if doc.doc_id in self._fresh:
                    raise ValueError(f"{doc.doc_id} written twice in one rebuild")
                self._fresh.add(doc.doc_id)
            row, found = document_row(doc, self.schema)
            rows[row["doc_id"]] = row  # the last of one id wins, as in whoosh
            words_of[row["doc_id"]] = found
            words |= found
        if self._fresh is None:
            # Words an update takes out of a document may leave the vocabulary (at commit).
            previous = await self.conn.execute(
                text(
                    f"SELECT doc_id, tsvector_to_array(tsv) || keywords FROM {DOCUMENTS} "
                    "WHERE doc_id = ANY(CAST(:ids AS text[]))"
                ),
                {"ids": list(rows)},
            )
            for old in previous:
                self.removed_words.update(set(old[1]) - words_of[str(old[0])])
        await self.conn.execute(
            text(
                f"""INSERT INTO {DOCUMENTS} AS d (doc_id, record_id, entity_type, module,
                        day, month, year, audience, keywords, tsv)
                    VALUES (:doc_id, :record_id, :entity_type, :module, :day,
                        :month, :year, :audience, :keywords, CAST(:tsv AS tsvector))
                    ON CONFLICT (doc_id) DO UPDATE SET record_id = excluded.record_id,
                        entity_type = excluded.entity_type, module = excluded.module,
                        day = excluded.day, month = excluded.month, year = excluded.year,
                        audience = excluded.audience, keywords = excluded.keywords,
                        tsv = excluded.tsv"""
            ),
            [
                {k: v for k, v in row.items() if k not in ("title", "content")}
                for row in rows.values()
            ],
        )
        await self.conn.execute(
            text(
                f"""INSERT INTO {TEXTS} (doc_id, title, content)
                    VALUES (:doc_id, :title, :content)
                    ON CONFLICT (doc_id) DO UPDATE
                    SET title = excluded.title, content = excluded.content"""
            ),
            [
                {"doc_id": row["doc_id"], "title": row["title"], "content": row["content"]}
                for row in rows.values()
            ],
        )
        await self.conn.execute(
            text(
                f"INSERT INTO {WORDS} (word) SELECT unnest(CAST(:words AS text[])) "
                "ON CONFLICT DO NOTHING"
            ),
            {"words": sorted(words)},
        )

    async def _delete(self, column: str, values: Collection[str]) -> None:
        if not values:
            return
        result = await self.conn.execute(
            text(
                f"DELETE FROM {DOCUMENTS} WHERE {column} = ANY(CAST(:values AS text[])) "
                "RETURNING tsvector_to_array(tsv) || keywords"
            ),
            {"values": list(values)},
        )
        for row in result:
            self.removed_words.update(list(row[0]))

    async def delete(self, doc_ids: Sequence[str]) -> None:
        await self._delete("doc_id", doc_ids)

    async def delete_types(self, entity_types: Collection[str]) -> None:
        await self._delete("entity_type", entity_types)

    async def forget_unused_words(self) -> None:
        """Words that updates and deletions took out of documents leave the vocabulary when no
        document holds them any more: it is exactly the words of the live documents, so a
        fuzzy or wildcard search never finds an erased (or corrected) name."""
        if not self.removed_words:
            return
        words = sorted(w for w in self.removed_words if "=" not in w)
        keywords = sorted(w for w in self.removed_words if "=" in w)
        if words:
            await self.conn.execute(
                text(
                    f"""DELETE FROM {WORDS} w WHERE w.word = ANY(CAST(:words AS text[]))
                        AND NOT EXISTS (SELECT 1 FROM {DOCUMENTS} d
                            WHERE d.tsv @@ CAST(quote_literal(w.word) AS tsquery))"""
                ),
                {"words": words},
            )
        if keywords:
            await self.conn.execute(
                text(
                    f"""DELETE FROM {WORDS} w WHERE w.word = ANY(CAST(:words AS text[]))
                        AND NOT EXISTS (SELECT 1 FROM {DOCUMENTS} d
                            WHERE d.keywords @> ARRAY[w.word])"""
                ),
                {"words": keywords},
            )


# The entity types of the index, one index probe each (a skip scan of the (entity_type, module)
# index): there are a handful, and a scan would read every row.
_TYPES_PRESENT = f"""WITH RECURSIVE present(entity_type) AS (
        SELECT min(entity_type) FROM {DOCUMENTS}
        UNION ALL
        SELECT (SELECT min(entity_type) FROM {DOCUMENTS} d WHERE d.entity_type > p.entity_type)
        FROM present p WHERE p.entity_type IS NOT NULL
    ) SELECT entity_type FROM present WHERE entity_type IS NOT NULL"""


def _shape(q: whoosh_query.Query) -> tuple[Any, ...]:
    """What a term asks, whatever its field: kind, text and fuzzy or range parameters."""
    return (
        type(q),
        getattr(q, "text", None),
        getattr(q, "maxdist", None),
        getattr(q, "prefixlength", None),
        getattr(q, "start", None),
        getattr(q, "end", None),
        getattr(q, "startexcl", None),
        getattr(q, "endexcl", None),
    )


# Digits in a word, as indexed with its length by core_0021 (the expression must match it).
_DIGITS = "char_length(regexp_replace(word, '[^0-9]', '', 'g'))"

# The years of the index's documents, from its vocabulary (bounds open date ranges).
_YEARS_PRESENT = (
    f"SELECT substr(word, 6) FROM {WORDS} WHERE word >= 'year=' AND word < 'year>' "
    "AND word ~ '^year=[0-9]{4}$'"
)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgresSearchBackend(SearchBackend):
    """Full-text search in the instance's PostgreSQL database (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        if db.is_sqlite:
            raise ValueError("the PostgreSQL search backend needs a PostgreSQL database")
        self.db = db
        self.schema = query_language.schema()
        self._parser = query_language.make_parser(self.schema)
        self._write_lock = asyncio.Lock()

    # --- state -------------------------------------------------------------------------------

    @staticmethod
    async def _state(conn: AsyncConnection) -> IndexStatus | None:
        """Why the tables cannot be used (missing, never built, outdated), or None."""
        found = await conn.execute(
            text("SELECT " + " AND ".join(f"to_regclass('{t}') IS NOT NULL" for t in TABLES))
        )
        if not found.scalar():
            return IndexStatus(
                IndexState.MISSING,
                f"no tables {', '.join(TABLES)} (core's migrations create them: ncen db upgrade)",
            )
        version = await conn.scalar(text(f"SELECT version FROM {STATE}"))
        if version is None:
            return IndexStatus(IndexState.MISSING, "the index was never built")
        if version != SCHEMA_VERSION:
            return IndexStatus(
                IndexState.OUTDATED, f"built as version {version}, need {SCHEMA_VERSION}"
            )
        return None

    async def status(self) -> IndexStatus:
        async with self.db.engine.connect() as conn:
            unusable = await self._state(conn)
            if unusable is not None:
                return unusable
            rows = await conn.execute(
                text(
                    f"SELECT module, entity_type, count(*) FROM {DOCUMENTS} "
                    "GROUP BY entity_type, module"
                )
            )
            counts = {(str(row[0]), str(row[1])): int(row[2]) for row in rows}
        return IndexStatus(IndexState.OK, f"{sum(counts.values())} documents", counts)

    async def create(self) -> None:
        """Empty tables marked as this version, in place of what they held.

        The tables themselves are the migrations' (core_0021): missing tables are an error
        that `ncen db upgrade` cannot have left behind. Tables already of this version are kept as
        they are: another server made them current while this one waited for the lock, and
        fills them in its rebuild's transaction (servers starting together on a new database
        do not empty each other's index).
        """
        async with self._write_lock, self.db.engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                {"ns": _LOCK_NAMESPACE, "key": _CREATE_KEY},
            )
            unusable = await self._state(conn)
            if unusable is None:
                return
            if not await conn.scalar(text(f"SELECT to_regclass('{STATE}') IS NOT NULL")):
                raise NcenError(
                    f"the search index's tables are missing ({unusable.detail}); they are "
                    "created by core's migrations (core_0021)"
                )
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
            await conn.execute(
                text(f"INSERT INTO {STATE} (version) VALUES (:version)"),
                {"version": SCHEMA_VERSION},
            )

    # --- writing -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def writer(self, *, replace_all: bool = False) -> AsyncIterator[IndexWriter]:
        """One transaction: readers see the whole batch (or the whole rebuild) at commit.
        An advisory lock makes writers of every process take turns. The index must have been
        built (`create` and a rebuild): writing into tables whose data was lost or is of
        another version would make a partial index look complete."""
        async with self._write_lock, self.db.engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                {"ns": _LOCK_NAMESPACE, "key": _WRITER_KEY},
            )
            version = await conn.scalar(text(f"SELECT version FROM {STATE}"))
            if version != SCHEMA_VERSION:
                raise NcenError(f"the search index is not built (version {version})")
            if replace_all:
                await conn.execute(text(f"DELETE FROM {TEXTS}"))
                await conn.execute(text(f"DELETE FROM {DOCUMENTS}"))
                await conn.execute(text(f"DELETE FROM {WORDS}"))
            writer = _PostgresWriter(conn, self.schema, fresh=replace_all)
            yield writer
            await writer.forget_unused_words()

    # --- reading -----------------------------------------------------------------------------

    async def query(self, request: SearchRequest) -> SearchResult:
        parsed = query_language.parse(self._parser, request.text)
        empty = SearchResult(hits=[], total=0, modules={}, entity_types={})
        if not request.allowed_types or parsed is query.NullQuery:
            return empty
        self._check_time(request)
        # The driver's connection itself: a search is three round trips (begin with the time
        # limit, one statement, rollback) plus one per pattern term.
        async with self.db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            timeout = ""
            if request.deadline is not None:
                remaining = max(int((request.deadline - time.monotonic()) * 1000), 1)
                timeout = f"; SET LOCAL statement_timeout = {remaining}"
            # One snapshot for the statements of a search (types present, count, page, facets).
            # Plans for the values at hand: the driver prepares each statement, and after five
            # runs PostgreSQL may switch to one generic plan for every value, which is blind to
            # how many rows a word or keyword matches (a keyword filter with dates went from
            # ~60 ms to ~400 ms at a million documents when it did). No sequential scan where an
            # index can answer: the planner's estimate of a long OR of rare words (a fuzzy
            # number, `0001234~`: ~60 words, 490 matches) can be 300 times too high, and a scan
            # of a million rows took 2 s where the GIN index takes milliseconds; a scan stays
            # possible where nothing else is (a pattern starting with `*` in the vocabulary).
            await driver.execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                "SET LOCAL plan_cache_mode = force_custom_plan; "
                "SET LOCAL enable_seqscan = off" + timeout
            )
            try:
                result = await self._search(driver, parsed, request)
            except asyncio.CancelledError:
                # Cancelled mid-statement: the connection's state is unknown, never reuse it.
                await conn.invalidate()
                raise
            except Exception as exc:
                try:
                    await driver.execute("ROLLBACK")
                except Exception:
                    await conn.invalidate()
                if getattr(exc, "sqlstate", None) == "57014":  # query_canceled: the time limit
                    raise SearchLimitError("the search ran out of time", SEARCH_TIMEOUT) from None
                raise
            await driver.execute("ROLLBACK")
            return result or empty

    async def _search(
        self, driver: Any, parsed: whoosh_query.Query, request: SearchRequest
    ) -> SearchResult | None:
        expansions = await self._expand(driver, parsed, request)
        present = {row[0] for row in await driver.fetch(_TYPES_PRESENT)}
        years: set[int] = set()
        if request.date_from is not None or request.date_to is not None:
            years = {int(row[0]) for row in await driver.fetch(_YEARS_PRESENT)}
        compiled = self._compile(parsed, expansions, request, present, years)
        if compiled is None:
            return None
        return await self._run(driver, compiled, request)

    @staticmethod
    def _check_time(request: SearchRequest) -> None:
        if request.deadline is not None and time.monotonic() > request.deadline:
            raise SearchLimitError("the search ran out of time", SEARCH_TIMEOUT)

    async def _expand(
        self, driver: Any, parsed: whoosh_query.Query, request: SearchRequest
    ) -> dict[int, list[str]]:
        """The index words of each fuzzy, wildcard and (non-date) range term, within the cap;
        text prefixes are matched by the GIN index itself but counted against the cap too,
        prefixes of keyword fields are expanded (the array index matches whole values)."""
        cap = request.max_expansions
        limit = cap + 1 if cap is not None else None
        found: dict[int, list[str]] = {}
        # The title and content words are one vocabulary: a term without a field is looked up
        # once for both.
        looked_up: dict[tuple[Any, ...], list[str]] = {}
        for leaf in parsed.leaves():
            if not isinstance(leaf, query.MultiTerm):
                continue
            key = (leaf.fieldname in TEXT_FIELDS or leaf.fieldname, _shape(leaf))
            if key in looked_up:
                found[id(leaf)] = looked_up[key]
                continue
            if isinstance(leaf, whoosh_query.TermRange) and leaf.fieldname in _DATE_FIELDS:
                continue
            if isinstance(leaf, query.Prefix):
                if cap is None and leaf.fieldname in TEXT_FIELDS:
                    continue  # the GIN index matches text prefixes itself
                words = await self._vocabulary(driver, leaf.fieldname, leaf.text, None, limit)
            elif isinstance(leaf, whoosh_query.FuzzyTerm):
                words = await self._fuzzy(driver, leaf, limit)
            elif isinstance(leaf, query.Wildcard):
                words = await self._vocabulary(driver, leaf.fieldname, None, leaf.text, limit)
            elif isinstance(leaf, whoosh_query.TermRange):
                words = await self._range(driver, leaf, limit)
            else:
                raise ValueError(f"cannot search with {type(leaf).__name__} on PostgreSQL")
            if cap is not None and len(words) > cap:
                raise SearchLimitError(
                    f"{query_language.shown(leaf)} matches more than {cap} words of the index; "
                    "make it more specific",
                    QUERY_TOO_BROAD,
                )
            self._check_time(request)
            found[id(leaf)] = looked_up[key] = words
        return found

    @staticmethod
    def _stored(fieldname: str, word: str) -> str:
        return word if fieldname in TEXT_FIELDS else _exact(fieldname, word)

    @staticmethod
    def _plain(fieldname: str, word: str) -> str:
        return word if fieldname in TEXT_FIELDS else word.split("=", 1)[1]

    def _field_filter(self, fieldname: str) -> str:
        if fieldname in TEXT_FIELDS:
            return "strpos(word, '=') = 0"
        return f"word LIKE '{_like_escape(_exact(fieldname, ''))}%'"

    async def _vocabulary(
        self,
        driver: Any,
        fieldname: str,
        prefix: str | None,
        pattern: str | None,
        limit: int | None,
    ) -> list[str]:
        """Words of a field starting with `prefix`, or matching a whoosh wildcard `pattern`."""
        if pattern is not None:
            like = _like_escape(pattern).replace("*", "%").replace("?", "_")
        else:
            like = _like_escape(prefix or "") + "%"
        if fieldname not in TEXT_FIELDS:
            like = _like_escape(_exact(fieldname, "")) + like
        sql = f"SELECT word FROM {WORDS} WHERE word LIKE $1 AND {self._field_filter(fieldname)}"
        sql += " ORDER BY word" + (f" LIMIT {limit}" if limit is not None else "")
        rows = await driver.fetch(sql, like)
        return [self._plain(fieldname, row[0]) for row in rows]

    async def _fuzzy(
        self, driver: Any, leaf: whoosh_query.FuzzyTerm, limit: int | None
    ) -> list[str]:
        """Words within `maxdist` Damerau-Levenshtein edits (optimal string alignment, as
        whoosh's `terms_within`) sharing the first `prefixlength` characters; the database
        narrows the candidates, rapidfuzz measures them."""
        word, maxdist = leaf.text, int(leaf.maxdist)
        stored = self._stored(leaf.fieldname, word)
        start = _like_escape(self._stored(leaf.fieldname, word[: leaf.prefixlength])) + "%"
        # One edit adds at most one digit: a word within d edits holds at most d more digits
        # than the term. Reference, container and plate numbers, most of a large vocabulary,
        # are then skipped through the index on (digits, length) (core_0021).
        digits = sum(c.isdigit() for c in stored) + maxdist
        params: list[Any] = [start, len(stored) - maxdist, len(stored) + maxdist, digits]
        # One edit changes at most two pieces of the word (a transposition may straddle two):
        # cut into 2d+1 pieces, a word within d edits holds at least one of them unchanged.
        pieces = 2 * maxdist + 1
        contains = ""
        if maxdist and len(word) >= pieces:
            cuts = [round(i * len(word) / pieces) for i in range(pieces + 1)]
            likes = []
            for a, b in itertools.pairwise(cuts):
                params.append("%" + _like_escape(word[a:b]) + "%")
                likes.append(f"word LIKE ${len(params)}")
            contains = " AND (" + " OR ".join(likes) + ")"
        rows = await driver.fetch(
            f"SELECT word FROM {WORDS} WHERE word LIKE $1 "
            f"AND {self._field_filter(leaf.fieldname)} "
            f"AND {_DIGITS} <= $4::int "
            "AND char_length(word) BETWEEN $2::int AND $3::int" + contains,
            *params,
        )
        candidates = [self._plain(leaf.fieldname, row[0]) for row in rows]
        matches = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=maxdist, limit=limit
        )
        return sorted(match for match, _distance, _index in matches)

    async def _range(
        self, driver: Any, leaf: whoosh_query.TermRange, limit: int | None
    ) -> list[str]:
        conditions = [self._field_filter(leaf.fieldname)]
        params: list[Any] = []
        if leaf.start is not None:
            params.append(self._stored(leaf.fieldname, leaf.start))
            conditions.append(f"word {'>' if leaf.startexcl else '>='} ${len(params)}")
        if leaf.end is not None:
            params.append(self._stored(leaf.fieldname, leaf.end))
            conditions.append(f"word {'<' if leaf.endexcl else '<='} ${len(params)}")
        sql = f"SELECT word FROM {WORDS} WHERE " + " AND ".join(conditions) + " ORDER BY word"
        if limit is not None:
            sql += f" LIMIT {limit}"
        rows = await driver.fetch(sql, *params)
        return [self._plain(leaf.fieldname, row[0]) for row in rows]

    def _compile(
        self,
        parsed: whoosh_query.Query,
        expansions: dict[int, list[str]],
        request: SearchRequest,
        present: Collection[str],
        years: Collection[int] = (),
    ) -> _Compiled | None:
        compiler = _Compiler(expansions)
        parts = [compiler.compile(parsed)]
        for name, values in sorted(request.filters.items()):
            words = {w for v in values for w in self.schema[name].process_text(v, mode="query")}
            parts.append(compiler._any(name, sorted(words), positive=False))
        if request.date_from is not None or request.date_to is not None:
            # The range as the fewest whole years, months and days (core/search/dates.py) in
            # `keywords`: one GIN index scan with the other keyword conditions, where a B-tree
            # range on `day` meant intersecting two bitmaps of every document in the range.
            terms = date_terms(request.date_from, request.date_to, years)
            keys = [
                *(_exact("year", y) for y in terms.years),
                *(_exact("month", m) for m in terms.months),
                *(_exact("date", d) for d in terms.days),
            ]
            parts.append(
                _Part(sql=f"keywords && {compiler.param(keys)}::text[]") if keys else _FALSE
            )
        matched = compiler._and(parts)
        if matched is _FALSE:
            return None
        visible = self._visibility(compiler, request, present)
        where = " AND ".join(
            part for part in (compiler.as_sql(matched), visible) if part and part != "TRUE"
        )
        rank = " | ".join(compiler.positive) if compiler.positive else None
        return _Compiled(
            where=where or "TRUE",
            params=compiler.params,
            rank=rank,
            words=dict(compiler.words),
            prefixes=dict(compiler.prefixes),
        )

    @staticmethod
    def _visibility(compiler: _Compiler, request: SearchRequest, present: Collection[str]) -> str:
        """Types seen whole, and per type the public documents and the caller's audience; no
        condition at all when the caller sees every type the index holds whole (read in the
        search's snapshot), so that a count needs no row of the table (as whoosh's backend)."""
        whole = sorted(t for t, tokens in request.allowed_types.items() if tokens is None)
        if set(present) <= set(whole):
            return "TRUE"
        clauses = []
        if whole:
            clauses.append(f"entity_type = ANY({compiler.param(whole)}::text[])")
        for entity_type, tokens in sorted(request.allowed_types.items()):
            if tokens is not None:
                audience = sorted({PUBLIC_AUDIENCE, *tokens})
                clauses.append(
                    f"(entity_type = {compiler.param(entity_type)}::text AND "
                    f"audience && {compiler.param(audience)}::text[])"
                )
        return "(" + " OR ".join(clauses) + ")"

    async def _run(self, driver: Any, compiled: _Compiled, request: SearchRequest) -> SearchResult:
        """Count (exactly up to `exact_total_limit`), rank, read the page, count facets.

        A query matching more than the limit gets the planner's estimate as its total, and,
        when words rank it, its hits ranked among the first limit + 1 matches found
        (docs/search.md, "Broad queries"): exact counts and rankings of tens of thousands of
        matches cost a visit of each matching row, which no index of core PostgreSQL avoids.
        Without ranking words (keyword fields, dates, an empty query) the page is exact: the
        first matches in `doc_id` order, read through the primary key."""
        cap = request.exact_total_limit
        bound = f" LIMIT {int(cap) + 1}" if cap is not None else ""
        where, params = compiled.where, compiled.params
        text_columns = "t.title, t.content" if request.snippets else "NULL, NULL"
        text_join = f"JOIN {TEXTS} t USING (doc_id)" if request.snippets else ""
        window = f"LIMIT {max(int(request.limit), 0)} OFFSET {int(request.offset)}"
        rows, facet_rows, counted = await self._ranked(
            driver, compiled, bound, window, text_columns, text_join, request.facets
        )
        exact = cap is None or counted <= cap
        if not exact and compiled.rank is None and counted:
            # Nothing ranks: the first matches in `doc_id` order, of all (primary key walk).
            rows = await driver.fetch(
                f"""SELECT d.doc_id, d.record_id, d.module, d.entity_type, 0::real AS score,
                        {text_columns}
                    FROM (SELECT doc_id FROM {DOCUMENTS} WHERE {where}
                          ORDER BY doc_id {window}) page
                    JOIN {DOCUMENTS} d USING (doc_id) {text_join}""",
                *params,
            )
        if not counted:
            return SearchResult(hits=[], total=0, modules={}, entity_types={})
        total = int(counted)
        if not exact:
            total = max(total, await self._estimate(driver, where, params))
        if request.facets and not exact:
            facet_rows = await driver.fetch(
                f"SELECT module, entity_type, count(*)::int AS n FROM {DOCUMENTS} "
                f"WHERE {where} GROUP BY module, entity_type",
                *params,
            )
        modules: dict[str, int] = defaultdict(int)
        entity_types: dict[str, int] = defaultdict(int)
        for row in facet_rows:
            modules[row["module"]] += row["n"]
            entity_types[row["entity_type"]] += row["n"]
        page = sorted(rows, key=lambda row: (-row["score"], row["doc_id"]))
        hits = []
        for row in page:
            self._check_time(request)
            snippets = []
            if request.snippets:
                snippets = [
                    s
                    for s in (
                        self._snippet(compiled, "title", row["title"], 1),
                        self._snippet(compiled, "content", row["content"], SNIPPETS),
                    )
                    if s
                ]
            hits.append(
                SearchHit(
                    entity_type=row["entity_type"],
                    id=row["record_id"],
                    module=row["module"],
                    score=float(row["score"] or 0.0),
                    snippets=snippets,
                )
            )
        return SearchResult(
            hits=hits,
            total=total,
            modules=dict(modules),
            entity_types=dict(entity_types),
            total_exact=exact,
            ranked=None if exact or compiled.rank is None else int(counted),
        )

    @staticmethod
    async def _ranked(
        driver: Any,
        compiled: _Compiled,
        bound: str,
        window: str,
        text_columns: str,
        text_join: str,
        facets: bool,
    ) -> tuple[list[Any], list[Any], int]:
        """One pass over the matches (up to `bound`): their count, the ranked page and, when
        asked, the facet counts of these matches (exact when they are all the matches)."""
        params = list(compiled.params)
        score = "0::real"  # keyword fields, dates, an empty query: ties, in doc_id order
        if compiled.rank is not None:
            params.append(compiled.rank)
            score = f"ts_rank(tsv, ${len(params)}::text::tsquery)"
        counts = (
            "SELECT 'f', module, entity_type, count(*)::int, NULL, NULL, NULL, NULL, NULL "
            "FROM matched GROUP BY module, entity_type UNION ALL"
            if facets
            else ""
        )
        rows = await driver.fetch(
            f"""WITH matched AS MATERIALIZED (
                    SELECT doc_id, record_id, module, entity_type, {score} AS score
                    FROM {DOCUMENTS} WHERE {compiled.where}{bound}
                ), page AS (
                    SELECT * FROM matched ORDER BY score DESC, doc_id {window}
                )
                SELECT 'n' AS kind, NULL AS module, NULL AS entity_type, count(*)::int AS n,
                       NULL AS doc_id, NULL AS record_id, NULL::real AS score, NULL AS title,
                       NULL AS content
                FROM matched
                UNION ALL {counts}
                SELECT 'p', page.module, page.entity_type, NULL, page.doc_id, page.record_id,
                       page.score, {text_columns}
                FROM page {text_join}""",
            *params,
        )
        counted = next(row["n"] for row in rows if row["kind"] == "n")
        page = [row for row in rows if row["kind"] == "p"]
        facet_rows = [row for row in rows if row["kind"] == "f"]
        return page, facet_rows, int(counted)

    @staticmethod
    async def _estimate(driver: Any, where: str, params: Sequence[Any]) -> int:
        """PostgreSQL's estimate of the matching rows (its statistics of lexemes, keywords and
        dates; conditions taken as independent)."""
        plan = await driver.fetchval(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {DOCUMENTS} WHERE {where}", *params
        )
        found = json.loads(plan) if isinstance(plan, str) else plan
        return int(found[0]["Plan"]["Plan Rows"])

    def _snippet(self, compiled: _Compiled, fieldname: str, value: str, top: int) -> str:
        """The stored text with the query's words marked, cut as the whoosh backend cuts it."""
        words = compiled.words.get(fieldname, set())
        prefixes = tuple(compiled.prefixes.get(fieldname, ()))
        if not value or not (words or prefixes):
            return ""
        tokens = self.schema[fieldname].analyzer(
            value, positions=True, chars=True, mode="index", removestops=False
        )

        def marked() -> Iterable[Any]:
            for token in tokens:
                token.matched = token.text in words or (
                    bool(prefixes) and token.text.startswith(prefixes)
                )
                yield token

        merged = merge_matched_tokens(marked())
        fragments = _FRAGMENTER.fragment_tokens(value, merged)
        best = highlight.top_fragments(fragments, top, _FRAGMENT_SCORER, highlight.FIRST)
        return str(compiled.formatter.format(best))
