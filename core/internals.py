"""Every use of a dependency's private internals, in one place.

Some speed-ups reach into names a library does not promise to keep. Each one is reached only
through this module, says here why it is worth it, and has a contract test in
`tests/test_internals.py` named after it, so that an upgrade that renames or changes one fails
a named test instead of misbehaving (or silently losing the speed-up).

| Internal | Library | Used by | Why |
|---|---|---|---|
| `Schema._schema` | strawberry | core/gql (budget, inputs, resolvers) | the graphql-core schema strawberry builds, to walk its fields once at start-up |
| `Info._raw_info` | strawberry | core/gql/selection.py, core/gql/precompleted.py | the fragments of the document, to see every field an operation names (`operation_fields`); the field nodes, to build a selection tree once per document |
| `_get_basic_result` | strawberry | core/gql/resolvers.py | recognise the resolver of plain attribute fields, to replace it by one `getattr` (~7% of a 1,000-record list) |
| `get_strawberry_type_cast`, and the default `resolve_type` of interfaces | strawberry | core/gql/precompleted.py | complete a value of an interface type with the plan of the object type strawberry would resolve it to (the type of its own class, unless `strawberry.cast`) |
| `Executor.complete_value` (overridden) | graphql-core, through strawberry's `StrawberryGraphQLCoreExecutionContext` | core/gql/precompleted.py | complete plain subtrees in one pass and serve lists built once in their response shape (a code list's entries) instead of value by value (~4 us a value) |
| `MultiTerm._btexts` | whoosh | core/search/whoosh_backend.py | expand a fuzzy/wildcard term once, within a cap and a deadline, instead of at each pass |
| `Highlighter._merge_matched_tokens` | whoosh | core/search/whoosh_backend.py, core/search/postgres_backend.py | highlight stored text with terms known up front, without a second query |
| `Connection._execute`, `Connection._connection`, `Connection._thread` | aiosqlite | core/sqlite_connection.py | run the SQLite calls that cannot wait on the event loop's thread (four thread hand-offs fewer per statement) |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import aiosqlite
import strawberry
from graphql import GraphQLSchema
from strawberry.types.cast import get_strawberry_type_cast
from whoosh import highlight, query

# --- strawberry ------------------------------------------------------------------------------

STRAWBERRY_BASIC_RESOLVER = "_get_basic_result"  # strawberry's resolver of basic fields


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema behind a strawberry schema (`Schema._schema`)."""
    found = schema._schema
    assert isinstance(found, GraphQLSchema)
    return found


def is_basic_resolver(resolve: Callable[..., Any] | None) -> bool:
    """Whether graphql-core's `resolve` of a field is strawberry's resolver of plain attribute
    fields (it has no public marker)."""
    return getattr(resolve, "__name__", None) == STRAWBERRY_BASIC_RESOLVER


def raw_info(info: Any) -> Any:
    """graphql-core's resolve info behind strawberry's `Info` (`_raw_info`), or `info` itself."""
    return getattr(info, "_raw_info", info)


def fragments_of(info: Any) -> dict[str, Any]:
    """The fragment definitions of the request's document, from strawberry's `Info` (it keeps
    graphql-core's resolve info as `_raw_info`, and exposes `operation` but not `fragments`)."""
    raw = getattr(info, "_raw_info", info)  # graphql-core's own info has them directly
    return dict(raw.fragments)


def type_cast_of(value: Any) -> Any:
    """The type a value was cast to with `strawberry.cast`, or None. Strawberry's default
    `resolve_type` of an interface answers that type first, then the type of the value's own
    class (core/gql/precompleted.py plans the latter only)."""
    return get_strawberry_type_cast(value)


# --- whoosh ----------------------------------------------------------------------------------


def term_expansion(q: query.MultiTerm, reader: Any) -> Iterator[bytes]:
    """The index words a fuzzy, wildcard, prefix or range term expands to (`_btexts`)."""
    return iter(q._btexts(reader))


def pin_expansion(q: query.MultiTerm, words: Iterable[bytes]) -> query.MultiTerm:
    """A copy of `q` that expands to `words` whatever the reader (it keeps its own matcher and
    scoring, and only remembers the expansion)."""
    pinned = list(words)
    copy = q.copy()
    copy._btexts = lambda _reader: iter(pinned)
    return copy


def merge_matched_tokens(tokens: Iterable[Any]) -> Iterator[Any]:
    """Whoosh's merging of adjacent matched tokens, as its highlighter does before fragmenting."""
    return iter(highlight.Highlighter._merge_matched_tokens(tokens))


# --- aiosqlite -------------------------------------------------------------------------------

# `core/sqlite_connection.LoopConnection` subclasses `aiosqlite.Connection` and overrides
# `_execute(fn, *args, **kwargs)`, the one method through which every call reaches the
# connection's thread, and compares callables with `_connection`, the sqlite3 connection.
AIOSQLITE_CONNECTION = aiosqlite.Connection
AIOSQLITE_DISPATCH = "_execute"
AIOSQLITE_RAW_CONNECTION = "_connection"


def daemon_thread(connection: aiosqlite.Connection) -> None:
    """Make the connection's thread (`_thread`) a daemon before it starts, as SQLAlchemy's own
    aiosqlite adapter does: a connection not closed never keeps the process alive."""
    connection._thread.daemon = True
