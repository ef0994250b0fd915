"""core: the PostgreSQL full-text search index's tables (PostgreSQL only)

The tables were made by the search backend itself until now (schema 2, keyword fields inside
the tsvector); from here they belong to migrations. The index is derived data: the old tables
are dropped, the new ones are created empty and without a state row, so that the next start-up
(or `ncen search reindex`) rebuilds the index from the records. On SQLite nothing is done: the
whoosh index lives in files.

Revision ID: core_0021
Revises: core_0018
Create Date: 2026-12-03
"""

from alembic import op

revision = "core_0021"
down_revision = "core_0018"
branch_labels = None
depends_on = None

# Frozen here: a later layout is a later migration, never an edit of this one.
_DROP = (
    "DROP TABLE IF EXISTS core_search_text",
    "DROP TABLE IF EXISTS core_search_document",
    "DROP TABLE IF EXISTS core_search_word",
    "DROP TABLE IF EXISTS core_search_state",
)
_CREATE = (
    """CREATE TABLE core_search_document (
        doc_id text PRIMARY KEY,
        record_id text NOT NULL,
        entity_type text NOT NULL,
        module text NOT NULL,
        day text,
        month text,
        year text,
        audience text[] NOT NULL,
        keywords text[] NOT NULL,
        tsv tsvector NOT NULL
    )""",
    "CREATE INDEX core_search_document_tsv ON core_search_document USING gin (tsv)",
    "CREATE INDEX core_search_document_keywords ON core_search_document USING gin (keywords)",
    "CREATE INDEX core_search_document_day ON core_search_document (day)",
    "CREATE INDEX core_search_document_type ON core_search_document (entity_type, module)",
    """CREATE TABLE core_search_text (
        doc_id text PRIMARY KEY
            REFERENCES core_search_document (doc_id) ON DELETE CASCADE,
        title text NOT NULL,
        content text NOT NULL
    )""",
    'CREATE TABLE core_search_word (word text COLLATE "C" PRIMARY KEY)',
    # Fuzzy terms: words with at most so many digits, of a length (skips the number words).
    """CREATE INDEX core_search_word_shape ON core_search_word
        ((char_length(regexp_replace(word, '[^0-9]', '', 'g'))), char_length(word))""",
    """CREATE TABLE core_search_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version integer NOT NULL,
        built_at timestamptz NOT NULL DEFAULT now()
    )""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (*_DROP, *_CREATE):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _DROP:
        op.execute(statement)
