"""The PostgreSQL search index's tables belong to core's migrations (core_0021): created on an
empty database, replacing the tables the backend used to make itself (schema 2) on an existing
one, dropped by the downgrade; nothing on SQLite, where the index is whoosh's files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Connection, text

from core.db import Database
from core.migrate import CORE_MIGRATIONS, Migrator, alembic_config, read_headers
from core.search.backend import IndexState
from core.search.documents import SearchDocument
from core.search.postgres_backend import SCHEMA_VERSION, STATE, TABLES, PostgresSearchBackend

# The core revision before the search tables' migration (whatever the chain is after merges).
BEFORE = next(
    header.down_revisions[0]
    for header in (read_headers([CORE_MIGRATIONS / "versions"]) or {}).values()
    if header.revision == "core_0021"
)

# What the backend created by itself before core_0021 (schema 2: keyword fields in `tsv`).
SCHEMA_2 = (
    """CREATE TABLE core_search_document (
        doc_id text PRIMARY KEY, record_id text NOT NULL, entity_type text NOT NULL,
        module text NOT NULL, day text, month text, year text, audience text[] NOT NULL,
        tsv tsvector NOT NULL)""",
    "CREATE INDEX core_search_document_tsv ON core_search_document USING gin (tsv)",
    "CREATE INDEX core_search_document_day ON core_search_document (day)",
    "CREATE INDEX core_search_document_type ON core_search_document (entity_type, module)",
    """CREATE TABLE core_search_text (
        doc_id text PRIMARY KEY REFERENCES core_search_document (doc_id) ON DELETE CASCADE,
        title text NOT NULL, content text NOT NULL)""",
    'CREATE TABLE core_search_word (word text COLLATE "C" PRIMARY KEY)',
    "COMMENT ON TABLE core_search_document IS 'ncen search index, schema 2'",
    """INSERT INTO core_search_document VALUES ('Seizure:1', '1', 'Seizure', 'seizures',
        '2026-03-05', '2026-03', '2026', '{*}',
        array_to_tsvector('{cocaine,countries=be}'))""",
    "INSERT INTO core_search_text VALUES ('Seizure:1', 'Cocaine', '')",
    "INSERT INTO core_search_word VALUES ('cocaine'), ('countries=be')",
)


def _to(revision: str) -> Any:
    from alembic import command

    def run(connection: Connection) -> None:
        cfg = alembic_config([], connection)
        if revision.startswith("-"):
            command.downgrade(cfg, revision[1:])
        else:
            command.upgrade(cfg, revision)

    return run


async def _migrate(db: Database, revision: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_to(revision))


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'core_search%'")
            if db.engine.dialect.name == "postgresql"
            else text("SELECT name FROM sqlite_master WHERE name LIKE 'core_search%'")
        )
        return {row[0] for row in rows}


async def _layout(db: Database) -> tuple[dict[str, str], dict[str, str]]:
    async with db.engine.connect() as conn:
        columns = await conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'core_search_document'"
            )
        )
        indexes = await conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"),
            {"t": "core_search_document"},
        )
        return {r[0]: r[1] for r in columns}, {r[0]: r[1] for r in indexes}


async def _found(backend: PostgresSearchBackend, q: str) -> list[str]:
    from core.search.backend import SearchRequest

    result = await backend.query(SearchRequest(text=q, allowed_types={"Seizure": None}))
    return [hit.id for hit in result.hits]


DOC = SearchDocument(
    entity_type="Seizure",
    id="7",
    module="seizures",
    title="Heroin in coffee",
    date=dt.date(2026, 4, 1),
    keywords={"countries": ["NL"]},
)


@pytest.mark.postgresql
async def test_an_empty_database_gets_the_tables_and_a_first_start_builds_them(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    db = Database(database_url)
    try:
        await Migrator(db, [], []).upgrade()
        assert await _tables(db) == set(TABLES)
        columns, indexes = await _layout(db)
        assert columns["keywords"] == "ARRAY" and columns["tsv"] == "tsvector"
        assert "USING gin (keywords)" in indexes["core_search_document_keywords"]
        assert "USING gin (tsv)" in indexes["core_search_document_tsv"]
        backend = PostgresSearchBackend(db)
        status = await backend.status()
        assert status.state == IndexState.MISSING and "never built" in status.detail
        with pytest.raises(Exception, match="not built"):
            async with backend.writer() as writer:
                await writer.upsert([DOC])
        await backend.create()
        async with backend.writer() as writer:
            await writer.upsert([DOC])
        assert (await backend.status()).state == IndexState.OK
        assert await _found(backend, "heroin countries:nl") == ["7"]
    finally:
        await db.dispose()


@pytest.mark.postgresql
async def test_the_tables_the_backend_made_itself_are_replaced_then_rebuilt(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    db = Database(database_url)
    try:
        await _migrate(db, BEFORE)
        async with db.engine.begin() as conn:
            for statement in SCHEMA_2:
                await conn.execute(text(statement))
        await Migrator(db, [], []).upgrade()
        columns, _indexes = await _layout(db)
        assert "keywords" in columns
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM core_search_document")) == 0
            assert await conn.scalar(text("SELECT count(*) FROM core_search_word")) == 0
        backend = PostgresSearchBackend(db)
        assert (await backend.status()).state == IndexState.MISSING  # rebuilt at start-up
        await backend.create()
        async with backend.writer(replace_all=True) as writer:
            await writer.upsert([DOC])
        async with db.engine.connect() as conn:
            assert await conn.scalar(text(f"SELECT version FROM {STATE}")) == SCHEMA_VERSION
            keywords = await conn.scalar(text("SELECT keywords FROM core_search_document"))
            tsv = await conn.scalar(text("SELECT tsv::text FROM core_search_document"))
        assert "countries=nl" in keywords and "entity_type=Seizure" in keywords
        assert "=" not in tsv  # keywords are no longer lexemes
        assert await _found(backend, "countries:NL") == ["7"]

        await _migrate(db, "-" + BEFORE)
        assert await _tables(db) == set()
        await Migrator(db, [], []).upgrade()
        assert await _tables(db) == set(TABLES)
    finally:
        await db.dispose()


async def test_sqlite_gets_no_search_tables(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the whoosh index of SQLite instances is files")
    db = Database(database_url)
    try:
        await Migrator(db, [], []).upgrade()
        assert await _tables(db) == set()
    finally:
        await db.dispose()
