"""PostgreSQL full-text search at scale: the search service on the PostgreSQL backend against raw
PostgreSQL full-text queries on the same documents, measured in the same run.

Documents are the seizures demo generator's cases turned into search documents by the seizures
module's own `document()` (no records are written: at a million documents that would take
hours), written through the backend's rebuild writer in batches; with `--base N`, N of them are
written so and copied in SQL up to the size (`_replicate`). The anchors use a plain table
holding the same documents with PostgreSQL's own `to_tsvector('simple', ...)`, a GIN index, the
keyword fields as `text[]` with GIN indexes and a `date` column with a B-tree index. The main
anchor answers the API's question in plain SQL (docs/search.md, "Broad queries"): matches
counted up to `exact_total_limit` + 1 with the planner's estimate above, the top 20 by
`ts_rank` among those with `ts_headline` fragments (by id without words to rank by); the exact
anchor counts and ranks every match. The service also applies permissions and cuts its
highlighted snippets; the `_facets` measurements add facet counts.

Needs a PostgreSQL server: `NCEN_BENCH_POSTGRESQL_URL` (or `NCEN_TEST_POSTGRESQL_URL`) naming a
database on it with the right to create databases; without one it only says it was skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Results, ratio, stats, target

URL_ENVS = ("NCEN_BENCH_POSTGRESQL_URL", "NCEN_TEST_POSTGRESQL_URL")
BATCH = 2000
LIMIT = 20
TARGET_P95_MS = 100.0
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Q:
    kind: str
    text: str  # the service's query
    raw_where: str  # the anchor's condition ($1: the tsquery text, when there is one)
    tsquery: str | None = None  # the anchor's tsquery (ranked by ts_rank)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


QUERIES: tuple[Q, ...] = (
    Q("term", "cocaine", "tsv @@ $1::tsquery", "cocaine"),
    Q("term", "cigarettes", "tsv @@ $1::tsquery", "cigarettes"),
    Q("term", "rotterdam", "tsv @@ $1::tsquery", "rotterdam"),
    Q("term", "watches", "tsv @@ $1::tsquery", "watches"),
    Q(
        "fielded_date",
        "countries:NL",
        "countries @> '{nl}'",
        None,
        dt.date(2025, 3, 1),
        dt.date(2025, 5, 15),
    ),
    Q(
        "fielded_date",
        "codes:drugs",
        "codes @> '{drugs}'",
        None,
        dt.date(2025, 6, 10),
        dt.date(2025, 9, 20),
    ),
    Q(
        "fielded_date",
        "codes:detector_dog",
        "codes @> '{detector_dog}'",
        None,
        dt.date(2025, 1, 15),
        dt.date(2025, 1, 31),
    ),
    # Not in the targets; measured for the record.
    Q("phrase", '"taped bricks"', "tsv @@ $1::tsquery", "taped <-> bricks"),
    Q("fuzzy", "cocain~", "tsv @@ $1::tsquery", "cocaine | cocain"),
)
KINDS = ("term", "fielded_date", "phrase", "fuzzy")
TARGETED = ("term", "fielded_date")
FACETED = tuple(f"{kind}_facets" for kind in TARGETED)  # the same with facet counts selected


class AllowAll:
    is_authenticated = True

    def can(self, permission: str) -> bool:
        return True


def postgresql_url() -> str | None:
    return next((os.environ[name] for name in URL_ENVS if os.environ.get(name)), None)


def documents(count: int, seed: int = 20_261_203) -> Iterator[list[Any]]:
    """Batches of search documents of the seizures demo generator (drafts left out, as the
    seizures module leaves them out of the index)."""
    from plugins.seizures import demo
    from plugins.seizures.search import document

    rng = random.Random(seed)
    year_start = dt.date(demo.DEMO_YEAR, 1, 1)
    batch: list[Any] = []
    made = 0
    number = 0
    while made < count:
        number += 1
        case = demo.make_case(rng, f"XX-{demo.DEMO_YEAR}-{number:07d}", year_start)
        if case.status == "draft":
            continue
        case.id = number
        batch.append(document(case))
        made += 1
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.asynccontextmanager
async def _database(base: str) -> AsyncIterator[str]:
    from core.testing import create_pg_database, drop_pg_database

    name, url = await create_pg_database(base)
    try:
        yield url
    finally:
        await drop_pg_database(base, name)


RAW_TABLE = """
CREATE TABLE raw_docs AS
SELECT doc_id,
       setweight(to_tsvector('simple', title), 'A')
         || setweight(to_tsvector('simple', content), 'B') AS tsv,
       ARRAY(SELECT substr(k, 11) FROM unnest(keywords) k
             WHERE k LIKE 'countries=%') AS countries,
       ARRAY(SELECT substr(k, 7) FROM unnest(keywords) k
             WHERE k LIKE 'codes=%') AS codes,
       day::date AS day
FROM core_search_document JOIN core_search_text USING (doc_id)
"""
RAW_INDEXES = (
    "CREATE INDEX raw_docs_tsv ON raw_docs USING gin (tsv)",
    "CREATE INDEX raw_docs_countries ON raw_docs USING gin (countries)",
    "CREATE INDEX raw_docs_codes ON raw_docs USING gin (codes)",
    "CREATE INDEX raw_docs_day ON raw_docs (day)",
    "ANALYZE raw_docs",
)


async def _replicate(url: str, copies: int) -> float:
    """Make `copies` of every document in SQL (new ids; dates, words, keywords and audiences
    kept, identifiers made unique), then rebuild the indexes and VACUUM ANALYZE, as an index
    that has been serving a while is. The vocabulary also gets each copy's variant of every
    word holding a digit (reference and container numbers), for a vocabulary as large as
    distinct records make it, which is what fuzzy and wildcard lookups scan."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    begin = time.perf_counter()
    try:
        indexes = [
            row["indexdef"]
            for row in await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'core_search_document' AND indexname NOT LIKE '%pkey'"
            )
        ]
        for name in await conn.fetch(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'core_search_document' AND indexname NOT LIKE '%pkey'"
        ):
            await conn.execute(f"DROP INDEX {name['indexname']}")
        step = await conn.fetchval("SELECT max(record_id::bigint) FROM core_search_document")
        await conn.execute(
            """INSERT INTO core_search_document
               SELECT entity_type || ':' || (record_id::bigint + c * $1),
                      (record_id::bigint + c * $1)::text, entity_type, module, day, month, year,
                      audience,
                      ARRAY(SELECT CASE WHEN k LIKE 'identifiers=%' THEN k || '-' || c ELSE k END
                            FROM unnest(keywords) k),
                      tsv
               FROM core_search_document, generate_series(1, $2::int) c
               WHERE record_id::bigint <= $1""",
            step,
            copies,
        )
        await conn.execute(
            """INSERT INTO core_search_text
               SELECT d.entity_type || ':' || (d.record_id::bigint + c * $1), t.title, t.content
               FROM core_search_text t JOIN core_search_document d USING (doc_id),
                    generate_series(1, $2::int) c
               WHERE d.record_id::bigint <= $1""",
            step,
            copies,
        )
        await conn.execute(
            """INSERT INTO core_search_word
               SELECT w.word || '-' || c FROM core_search_word w, generate_series(1, $1::int) c
               WHERE w.word ~ '[0-9]' ON CONFLICT DO NOTHING""",
            copies,
        )
        for statement in indexes:
            await conn.execute(statement)
        await conn.execute("VACUUM ANALYZE core_search_document")
        await conn.execute("VACUUM ANALYZE core_search_text")
        await conn.execute("VACUUM ANALYZE core_search_word")
    finally:
        await conn.close()
    return time.perf_counter() - begin


async def _raw_bounded(conn: Any, q: Q, cap: int) -> tuple[int, list[str]]:
    """The anchor of the API's contract (docs/search.md, "Broad queries") in plain SQL on the
    plain table: matches counted up to `cap` + 1, the planner's estimate above, the top 20 by
    `ts_rank` among those first matches with `ts_headline` fragments of their stored text (by
    id among all, without words to rank by)."""
    where = q.raw_where
    params: list[Any] = [q.tsquery] if q.tsquery is not None else []
    if q.date_from is not None:
        params.append(q.date_from)
        where += f" AND day >= ${len(params)}"
    if q.date_to is not None:
        params.append(q.date_to)
        where += f" AND day <= ${len(params)}"
    total = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT FROM raw_docs WHERE {where} LIMIT {cap + 1}) s", *params
    )
    if total > cap:
        plan = await conn.fetchval(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM raw_docs WHERE {where}", *params
        )
        total = max(total, int(json.loads(plan)[0]["Plan"]["Plan Rows"]))
    if q.tsquery is not None:
        # With highlighted fragments of the page's text, as ncen's snippets (ts_headline).
        sql = f"""SELECT p.doc_id, ts_headline('simple', t.title, $1::tsquery),
                      ts_headline('simple', t.content, $1::tsquery, 'MaxFragments=3')
                  FROM (SELECT doc_id FROM (SELECT doc_id, tsv FROM raw_docs WHERE {where}
                        LIMIT {cap + 1}) c
                        ORDER BY ts_rank(tsv, $1::tsquery) DESC, doc_id LIMIT {LIMIT}) p
                  JOIN core_search_text t USING (doc_id)"""
    else:
        sql = f"SELECT doc_id FROM raw_docs WHERE {where} ORDER BY doc_id LIMIT {LIMIT}"
    rows = await conn.fetch(sql, *params)
    return int(total), [row["doc_id"] for row in rows]


async def _raw_query(conn: Any, q: Q) -> tuple[int, list[str]]:
    where = q.raw_where
    params: list[Any] = [q.tsquery] if q.tsquery is not None else []
    if q.date_from is not None:
        params.append(q.date_from)
        where += f" AND day >= ${len(params)}"
    if q.date_to is not None:
        params.append(q.date_to)
        where += f" AND day <= ${len(params)}"
    total = await conn.fetchval(f"SELECT count(*) FROM raw_docs WHERE {where}", *params)
    order = "ts_rank(tsv, $1::tsquery) DESC, doc_id" if q.tsquery is not None else "doc_id"
    rows = await conn.fetch(
        f"SELECT doc_id FROM raw_docs WHERE {where} ORDER BY {order} LIMIT {LIMIT}", *params
    )
    return int(total), [row["doc_id"] for row in rows]


async def _build(url: str, size: int, results: Results, base: int | None = None) -> int:
    """The index of `size` documents: all written by the backend's rebuild writer, or `base`
    of them and the rest copied in SQL (`_replicate`). Returns the documents indexed."""
    import asyncpg

    from core.db import Database
    from core.migrate import Migrator
    from core.search.postgres_backend import PostgresSearchBackend

    db = Database(url)
    try:
        await Migrator(db, [], []).upgrade()  # core's migrations make the index's tables
        backend = PostgresSearchBackend(db)
        await backend.create()
        written = 0
        writing = 0.0
        async with backend.writer(replace_all=True) as writer:
            for batch in documents(min(base or size, size)):
                begin = time.perf_counter()
                await writer.upsert(batch)
                writing += time.perf_counter() - begin
                written += len(batch)
            begin = time.perf_counter()
        writing += time.perf_counter() - begin  # the commit
    finally:
        await db.dispose()
    results.add(
        "pgsearch.rebuild",
        written,
        docs_per_s=round(written / writing, 1),
        seconds=round(writing, 1),
        note="documents built in Python (analyzer, tsvector) and written in batches of "
        f"{BATCH}, one transaction; generating the documents is not counted",
    )
    if size > written:
        copies = -(-size // written) - 1
        seconds = await _replicate(url, copies)
        results.note(
            f"pgsearch: {written} documents written by the backend, then {copies} copies "
            f"of them made in SQL in {seconds:.0f} s (indexes rebuilt, VACUUM ANALYZE)"
        )
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        if size <= written:
            await conn.execute("VACUUM ANALYZE core_search_document")
        return int(await conn.fetchval("SELECT count(*) FROM core_search_document"))
    finally:
        await conn.close()


def service_of(url: str) -> Any:
    """A search service on the index of `url`, every document visible (as a caller holding the
    permission of its one type)."""
    from core.config import SearchSettings
    from core.db import Database
    from core.search.documents import SearchType
    from core.search.postgres_backend import PostgresSearchBackend
    from core.search.service import SearchService

    async def never(*_args: Any) -> Any:
        raise AssertionError("not used by the benchmark")

    db = Database(url)
    seizures = SearchType(
        entity_type="Seizure", module="seizures", permission="any", fetch=never, ids=never
    )
    return SearchService(
        PostgresSearchBackend(db),
        db,
        {"Seizure": seizures},
        SearchSettings(
            timeout_seconds=30.0,
            exact_total_limit=int(os.environ.get("NCEN_BENCH_EXACT_TOTAL_LIMIT", "1000")),
        ),
    )


async def _measure(
    url: str, repeat: int, results: Results, written: int, reuse: bool = False
) -> None:
    """The service's queries, then the anchor's (its table is kept when `reuse`)."""
    import asyncpg

    service = service_of(url)
    cap = service.limits.exact_total_limit
    try:
        principal = AllowAll()
        ours: dict[str, list[float]] = {kind: [] for kind in (*KINDS, *FACETED)}
        totals: dict[str, Any] = {}

        async def one(q: Q, *, facets: bool) -> Any:
            # As `search(query, first: 20) { totalCount totalCountExact edges { snippets
            # node } }` asks: facets are counted only when selected (FACETED measures them).
            return await service.search(
                principal,
                q.text,
                date_from=q.date_from,
                date_to=q.date_to,
                limit=LIMIT,
                facets=facets,
            )

        for q in QUERIES:  # warm-up, as a serving process is
            found = await one(q, facets=False)
            totals[q.text] = found.total if found.total_exact else f"~{found.total}"
        for _ in range(repeat):
            for q in QUERIES:
                begin = time.perf_counter()
                await one(q, facets=False)
                ours[q.kind].append(time.perf_counter() - begin)
                if q.kind in TARGETED:
                    begin = time.perf_counter()
                    await one(q, facets=True)
                    ours[f"{q.kind}_facets"].append(time.perf_counter() - begin)
    finally:
        await service.db.dispose()

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        # As ncen's searches: plans for the values at hand, not a generic one after 5 runs.
        await conn.execute("SET plan_cache_mode = force_custom_plan")
        begin = time.perf_counter()
        if not (reuse and await conn.fetchval("SELECT to_regclass('raw_docs') IS NOT NULL")):
            await conn.execute("DROP TABLE IF EXISTS raw_docs")
            await conn.execute(RAW_TABLE)
            for statement in RAW_INDEXES:
                await conn.execute(statement)
        raw_build = time.perf_counter() - begin
        raw: dict[str, list[float]] = {kind: [] for kind in KINDS}
        bounded: dict[str, list[float]] = {kind: [] for kind in KINDS}
        raw_totals: dict[str, int] = {}
        for q in QUERIES:
            raw_totals[q.text] = (await _raw_query(conn, q))[0]
            await _raw_bounded(conn, q, cap)
        for _ in range(repeat):
            for q in QUERIES:
                begin = time.perf_counter()
                await _raw_bounded(conn, q, cap)
                bounded[q.kind].append(time.perf_counter() - begin)
                begin = time.perf_counter()
                await _raw_query(conn, q)
                raw[q.kind].append(time.perf_counter() - begin)
    finally:
        await conn.close()
    results.note(f"pgsearch: totals {totals}; raw totals {raw_totals}")
    results.note(f"pgsearch: raw table and indexes built in {raw_build:.1f} s")
    for kind in (*KINDS, *FACETED):
        measured = stats(ours[kind])
        same = stats(bounded[kind.removesuffix("_facets")])
        every = stats(raw[kind.removesuffix("_facets")])
        extra: dict[str, Any] = {}
        if kind in TARGETED:
            extra = target(measured["p95_ms"], TARGET_P95_MS)
            extra["ratio_p95"] = ratio(measured["p95_ms"], same["p95_ms"])
            extra["ratio_target"] = TARGET_RATIO
        results.add(
            f"pgsearch.{kind}",
            written,
            **measured,
            anchor=f"raw PostgreSQL, same contract: count up to {cap} + 1 (estimate above), "
            "top 20 of those by ts_rank (by id of all without words); same documents",
            anchor_median_ms=same["median_ms"],
            anchor_p95_ms=same["p95_ms"],
            ratio=ratio(measured["median_ms"], same["median_ms"]),
            exact_anchor="raw PostgreSQL: exact count(*) + top 20 of all matches",
            exact_anchor_median_ms=every["median_ms"],
            exact_anchor_p95_ms=every["p95_ms"],
            **extra,
        )


def run(
    results: Results,
    work: Path,
    *,
    docs: int,
    repeat: int,
    base: int | None = None,
    reuse: str | None = None,
    keep: bool = False,
) -> None:
    """`base`: write that many documents through the backend and copy them in SQL up to
    `docs`; `reuse`: measure the index already in that database; `keep`: leave the database."""
    server = postgresql_url()
    if server is None:
        results.note(f"pgsearch: skipped, no PostgreSQL server ({' or '.join(URL_ENVS)})")
        return

    async def main() -> None:
        if reuse is not None:
            import asyncpg

            conn = await asyncpg.connect(reuse.replace("postgresql+asyncpg://", "postgresql://"))
            written = int(await conn.fetchval("SELECT count(*) FROM core_search_document"))
            await conn.close()
            await _measure(reuse, repeat, results, written, reuse=True)
            return
        if keep:
            from core.testing import create_pg_database

            _name, url = await create_pg_database(server)
            results.note(f"pgsearch: database kept: {url}")
            await _measure(url, repeat, results, await _build(url, docs, results, base))
            return
        async with _database(server) as url:
            await _measure(url, repeat, results, await _build(url, docs, results, base))

    asyncio.run(main())


def only_sizes(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.pg_search_bench DOCS [REPEAT] [--base N] [--keep] [--reuse URL]`: one
    run at a chosen size; `--base N` writes N documents through the backend and copies them in
    SQL up to DOCS (minutes instead of hours at a million)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.pg_search_bench")
    parser.add_argument("docs", type=int, nargs="?", default=10_000)
    parser.add_argument("repeat", type=int, nargs="?", default=10)
    parser.add_argument("--base", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse")
    args = parser.parse_args(argv)
    run(
        Results(),
        Path("."),
        docs=args.docs,
        repeat=args.repeat,
        base=args.base,
        reuse=args.reuse,
        keep=args.keep,
    )


if __name__ == "__main__":
    only_sizes()
