"""Search: bulk reindex rate, and term / phrase / fuzzy / fielded / fielded+date queries through
the search service, against the same documents and queries on raw whoosh with a plain schema
and on SQLite FTS5.

The service does more per query than the anchors (permission filter, total, facet counts,
highlighted snippets); the anchors return the top 20 ids only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Results, bench_config, prepare_instance, ratio, stats, target


@dataclass(frozen=True)
class Q:
    kind: str
    text: str  # the service's (and raw whoosh's) query syntax
    fts: str  # the FTS5 MATCH expression
    date_from: dt.date | None = None
    date_to: dt.date | None = None


QUERIES: tuple[Q, ...] = (
    Q("term", "cocaine", "cocaine"),
    Q("term", "cigarettes", "cigarettes"),
    Q("term", "rotterdam", "rotterdam"),
    Q("term", "watches", "watches"),
    Q("phrase", '"taped bricks"', '"taped bricks"'),
    Q("phrase", '"without tax stamps"', '"without tax stamps"'),
    Q("phrase", '"counterfeit labels"', '"counterfeit labels"'),
    # FTS5 has no edit distance: its nearest equivalent, a prefix query, is the anchor.
    Q("fuzzy", "cocain~", "cocain*"),
    Q("fuzzy", "cigarrettes~", "cigaret*"),
    Q("fuzzy", "rotterdan~", "rotterda*"),
    Q("fielded", "countries:NL", 'countries:"nl"'),
    Q("fielded", "codes:detector_dog", 'codes:"detector_dog"'),
    Q("fielded", "codes:tobacco countries:PL", 'codes:"tobacco" AND countries:"pl"'),
    Q(
        "fielded_date",
        "countries:NL",
        'countries:"nl"',
        dt.date(2025, 3, 1),
        dt.date(2025, 5, 15),
    ),
    Q(
        "fielded_date",
        "codes:drugs",
        'codes:"drugs"',
        dt.date(2025, 6, 10),
        dt.date(2025, 9, 20),
    ),
    Q(
        "fielded_date",
        "codes:detector_dog",
        'codes:"detector_dog"',
        dt.date(2025, 1, 15),
        dt.date(2025, 1, 31),
    ),
)
KINDS = ("term", "phrase", "fuzzy", "fielded", "fielded_date")
TARGETS_P95_MS = {"term": 60.0, "fielded_date": 100.0}
LIMIT = 20


class AllowAll:
    is_authenticated = True

    def can(self, permission: str) -> bool:
        return True


# --- anchors --------------------------------------------------------------------------------


class RawWhoosh:
    """A plain whoosh schema: text fields, keyword fields, a DATETIME date and range queries."""

    def __init__(self, path: Path) -> None:
        from whoosh import fields, index, qparser

        path.mkdir(parents=True, exist_ok=True)
        schema = fields.Schema(
            doc_id=fields.ID(unique=True, stored=True),
            title=fields.TEXT(stored=True),
            content=fields.TEXT(),
            countries=fields.KEYWORD(lowercase=True, commas=True),
            codes=fields.KEYWORD(lowercase=True, commas=True),
            identifiers=fields.KEYWORD(lowercase=True, commas=True),
            date=fields.DATETIME(),
        )
        self.ix = index.create_in(str(path), schema)
        self.parser = qparser.MultifieldParser(["title", "content"], schema)
        self.parser.add_plugin(qparser.FuzzyTermPlugin())

    def index(self, docs: Sequence[Any]) -> None:
        writer = self.ix.writer()
        for doc in docs:
            writer.add_document(
                doc_id=doc.doc_id,
                title=doc.title,
                content=doc.content,
                date=dt.datetime.combine(doc.date, dt.time()) if doc.date else None,
                **{k: ",".join(v) for k, v in doc.keywords.items() if k != "tags"},
            )
        writer.commit()

    def query(self, q: Q) -> list[str]:
        from whoosh import query

        parsed = self.parser.parse(q.text)
        if q.date_from or q.date_to:
            start = dt.datetime.combine(q.date_from, dt.time()) if q.date_from else None
            end = dt.datetime.combine(q.date_to, dt.time.max) if q.date_to else None
            parsed = query.And([parsed, query.DateRange("date", start, end)])
        with self.ix.searcher() as searcher:
            return [hit["doc_id"] for hit in searcher.search(parsed, limit=LIMIT)]


class Fts5:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.executescript(
            """
            CREATE TABLE docs(id INTEGER PRIMARY KEY, doc_id TEXT, date TEXT);
            CREATE INDEX docs_date ON docs(date);
            CREATE VIRTUAL TABLE fts USING fts5(
                title, content, countries, codes, identifiers,
                tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
            );
            """
        )

    def index(self, docs: Sequence[Any]) -> None:
        with self.db:
            for n, doc in enumerate(docs, 1):
                self.db.execute(
                    "INSERT INTO docs VALUES (?, ?, ?)",
                    (n, doc.doc_id, doc.date.isoformat() if doc.date else None),
                )
                self.db.execute(
                    "INSERT INTO fts(rowid, title, content, countries, codes, identifiers)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        n,
                        doc.title,
                        doc.content,
                        " ".join(doc.keywords.get("countries", ())),
                        " ".join(doc.keywords.get("codes", ())),
                        " ".join(doc.keywords.get("identifiers", ())),
                    ),
                )

    def query(self, q: Q) -> list[str]:
        sql = "SELECT docs.doc_id FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?"
        params: list[Any] = [q.fts]
        if q.date_from:
            sql += " AND docs.date >= ?"
            params.append(q.date_from.isoformat())
        if q.date_to:
            sql += " AND docs.date <= ?"
            params.append(q.date_to.isoformat())
        sql += f" ORDER BY bm25(fts) LIMIT {LIMIT}"
        return [row[0] for row in self.db.execute(sql, params)]


# --- the run ----------------------------------------------------------------------------------


async def _service_part(
    data_dir: Path, repeat: int
) -> tuple[float, int, list[Any], dict[str, list[float]], dict[str, int]]:
    from core.instance import Instance
    from plugins.seizures.search import SEARCH_TYPE

    instance = Instance(bench_config(data_dir))
    try:
        await instance.search.backend.create()
        start = time.perf_counter()
        written = sum((await instance.search.reindex()).values())
        reindex_seconds = time.perf_counter() - start
        principal = AllowAll()
        samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
        totals: dict[str, int] = {}
        for q in QUERIES:  # warm-up: open the index, fill caches, as a serving process would
            result = await instance.search.search(
                principal, q.text, date_from=q.date_from, date_to=q.date_to, limit=LIMIT
            )
            totals[f"{q.kind}:{q.text}"] = result.total
        # Every timed query runs as a new one: whoosh keeps the answers of the current index
        # generation for repeated requests (the http benchmark's search measures those).
        clear_repeats = getattr(instance.search.backend, "clear_repeats", lambda: None)
        for _ in range(repeat):
            for q in QUERIES:
                clear_repeats()
                begin = time.perf_counter()
                await instance.search.search(
                    principal, q.text, date_from=q.date_from, date_to=q.date_to, limit=LIMIT
                )
                samples[q.kind].append(time.perf_counter() - begin)
        # The anchors' documents are read only now: a serving process does not hold 100k
        # documents in memory while it answers queries (the garbage collector would walk them).
        docs: list[Any] = []
        async with instance.db.session() as session:
            async for ids in SEARCH_TYPE.ids(session, 1000):
                docs.extend(await SEARCH_TYPE.fetch(session, list(ids)))
    finally:
        await instance.db.dispose()
    return reindex_seconds, written, docs, samples, totals


def _anchor_samples(engine: Any, repeat: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for q in QUERIES:
        engine.query(q)
    for _ in range(repeat):
        for q in QUERIES:
            begin = time.perf_counter()
            engine.query(q)
            samples[q.kind].append(time.perf_counter() - begin)
    return samples


def run(results: Results, work: Path, *, docs: int, repeat: int) -> None:
    data_dir = work / "search"
    timings = asyncio.run(prepare_instance(data_dir, docs, users=False, reindex=False))
    results.note(f"search: {docs} seizures loaded in {timings['load_seconds']:.1f} s")
    reindex_seconds, written, documents, service, totals = asyncio.run(
        _service_part(data_dir, repeat)
    )
    size = len(documents)
    results.note(f"search: {size} documents (drafts are not indexed); totals {totals}")

    whoosh = RawWhoosh(work / "search-raw-whoosh")
    begin = time.perf_counter()
    whoosh.index(documents)
    whoosh_rate = size / (time.perf_counter() - begin)
    fts = Fts5(work / "search-fts5.db")
    begin = time.perf_counter()
    fts.index(documents)
    fts_rate = size / (time.perf_counter() - begin)

    rate = written / reindex_seconds
    results.add(
        "search.reindex",
        size,
        docs_per_s=round(rate, 1),
        seconds=round(reindex_seconds, 2),
        anchor="raw whoosh add_document + one commit",
        anchor_docs_per_s=round(whoosh_rate, 1),
        ratio=ratio(rate, whoosh_rate),
        fts5_docs_per_s=round(fts_rate, 1),
        **target(rate, 2000.0, at_least=True),
    )
    raw = _anchor_samples(whoosh, repeat)
    lite = _anchor_samples(fts, repeat)
    fts.db.close()
    for kind in KINDS:
        measured = stats(service[kind])
        whoosh_stats = stats(raw[kind])
        fts_stats = stats(lite[kind])
        extra: dict[str, Any] = {}
        if kind in TARGETS_P95_MS:
            extra = target(measured["p95_ms"], TARGETS_P95_MS[kind])
        results.add(
            f"search.{kind}",
            size,
            **measured,
            anchor="raw whoosh, plain schema",
            anchor_median_ms=whoosh_stats["median_ms"],
            anchor_p95_ms=whoosh_stats["p95_ms"],
            ratio=ratio(measured["median_ms"], whoosh_stats["median_ms"]),
            fts5_median_ms=fts_stats["median_ms"],
            fts5_p95_ms=fts_stats["p95_ms"],
            ratio_to_fts5=ratio(measured["median_ms"], fts_stats["median_ms"]),
            **extra,
        )
