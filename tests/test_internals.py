"""Contract tests of the dependency internals core relies on (core/internals.py): one per
trick, so that an upgrade that renames or changes one fails here, by name."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import aiosqlite
import strawberry
from graphql import GraphQLObjectType, GraphQLSchema
from whoosh import analysis, fields, highlight, query
from whoosh.filedb.filestore import RamStorage

from core import internals
from core.gql.resolvers import direct_attribute_resolvers
from core.sqlite_connection import connect


@strawberry.type
class Thing:
    name: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(name="crate")


def test_strawberry_schema_holds_its_graphql_core_schema() -> None:
    schema = strawberry.Schema(query=Query)
    core_schema = internals.graphql_core_schema(schema)
    assert isinstance(core_schema, GraphQLSchema)
    assert isinstance(core_schema.type_map["Thing"], GraphQLObjectType)


def test_strawberry_basic_fields_resolve_through_get_basic_result() -> None:
    schema = strawberry.Schema(query=Query)
    thing = internals.graphql_core_schema(schema).type_map["Thing"]
    assert isinstance(thing, GraphQLObjectType)
    assert internals.is_basic_resolver(thing.fields["name"].resolve)
    assert not internals.is_basic_resolver(thing.fields["shout"].resolve)
    # The replacement gives the same answers.
    assert direct_attribute_resolvers(schema) >= 1
    assert not internals.is_basic_resolver(thing.fields["name"].resolve)
    result = schema.execute_sync("{ thing { name shout } }")
    assert result.errors is None and result.data == {"thing": {"name": "crate", "shout": "CRATE"}}


def test_strawberry_info_keeps_the_fragments_of_the_document() -> None:
    seen: list[dict] = []

    @strawberry.type
    class Spy:
        @strawberry.field
        def probe(self, info: strawberry.Info) -> int:
            seen.append(internals.fragments_of(info))
            return 1

    schema = strawberry.Schema(query=Spy)
    result = schema.execute_sync("{ ...f } fragment f on Spy { probe }")
    assert result.errors is None
    assert list(seen[0]) == ["f"] and seen[0]["f"].selection_set.selections[0].name.value == "probe"


def _index() -> object:
    schema = fields.Schema(content=fields.TEXT(stored=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for text in ("cocaine in boxes", "cocoa beans", "cigarettes"):
            writer.add_document(content=text)
    return ix


def test_whoosh_multi_terms_expand_through_btexts_and_can_be_pinned() -> None:
    ix = _index()
    with ix.searcher() as searcher:  # type: ignore[attr-defined]
        reader = searcher.reader()
        prefix = query.Prefix("content", "coc")
        assert sorted(internals.term_expansion(prefix, reader)) == [b"cocaine", b"cocoa"]
        pinned = internals.pin_expansion(prefix, [b"cocoa"])
        assert list(internals.term_expansion(pinned, reader)) == [b"cocoa"]
        assert [hit["content"] for hit in searcher.search(pinned)] == ["cocoa beans"]
        assert len(searcher.search(prefix)) == 2  # the original is unchanged


def test_whoosh_highlighter_merges_overlapping_matched_tokens() -> None:
    def token(text: str, start: int, matched: bool) -> analysis.Token:
        return analysis.Token(
            text=text, startchar=start, endchar=start + len(text), matched=matched, chars=True
        )

    tokens = [token("in", 0, False), token("coca", 3, True), token("cocaine", 3, True)]
    merged = [
        (t.text, t.startchar, t.endchar, t.matched) for t in internals.merge_matched_tokens(tokens)
    ]
    assert merged == [("in", 0, 2, False), ("cocaine", 3, 10, True)]
    # And the highlighter built on it marks the term in stored text.
    text = "hidden cocaine bricks"
    found = analysis.StandardAnalyzer()(
        text, positions=True, chars=True, mode="index", removestops=False
    )
    found = internals.merge_matched_tokens(highlight.set_matched_filter(found, {"cocaine"}))
    fragments = highlight.ContextFragmenter().fragment_tokens(text, found)
    best = highlight.top_fragments(fragments, 1, highlight.BasicFragmentScorer(), highlight.FIRST)
    assert "<mark" in highlight.HtmlFormatter(tagname="mark").format(best)


def test_aiosqlite_dispatches_every_call_through_execute(tmp_path: Path) -> None:
    assert hasattr(internals.AIOSQLITE_CONNECTION, internals.AIOSQLITE_DISPATCH)
    seen: list[str] = []

    class Spy(aiosqlite.Connection):
        async def _execute(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(getattr(fn, "__name__", "?"))
            return await super()._execute(fn, *args, **kwargs)

    async def run() -> None:
        import sqlite3
        from functools import partial

        connection = Spy(partial(sqlite3.connect, str(tmp_path / "a.db")), iter_chunk_size=64)
        internals.daemon_thread(connection)
        async with connection as db:
            raw = getattr(db, internals.AIOSQLITE_RAW_CONNECTION)
            assert isinstance(raw, sqlite3.Connection)
            cursor = await db.execute("SELECT 1")
            assert await cursor.fetchall() == [(1,)]
        assert "execute" in seen and "fetchall" in seen

    asyncio.run(run())


def test_the_loop_connection_runs_reads_on_the_callers_thread(tmp_path: Path) -> None:
    async def run() -> None:
        threads: list[int] = []
        connection = await connect(str(tmp_path / "b.db"))
        assert connection._thread.daemon  # type: ignore[attr-defined]
        try:
            raw = getattr(connection, internals.AIOSQLITE_RAW_CONNECTION)
            raw.create_function("thread", 0, lambda: threads.append(threading.get_ident()) or 1)
            cursor = await connection.cursor()  # as SQLAlchemy's adapter does
            await cursor.execute("SELECT thread()")
            await cursor.fetchall()
        finally:
            await connection.close()
        assert threads == [threading.get_ident()]

    asyncio.run(run())


def test_graphql_core_completes_values_through_the_execution_context_complete_value() -> None:
    """core/gql/precompleted.py overrides `complete_value` of strawberry's execution context
    (graphql-core's `Executor.complete_value`): a `Completed` list is served as it is."""
    from core.gql.precompleted import Completed, NcenExecutionContext

    @strawberry.type
    class Ready:
        @strawberry.field
        def things(self) -> list[Thing]:
            return Completed([{"name": "as built"}])  # type: ignore[return-value]

    schema = strawberry.Schema(query=Ready, execution_context_class=NcenExecutionContext)
    result = schema.execute_sync("{ things { name } }")
    assert result.errors is None and result.data == {"things": [{"name": "as built"}]}


@strawberry.interface
class Shape:
    name: str


@strawberry.type
class Square(Shape):
    side: int


@strawberry.type
class Circle(Shape):
    radius: int


class PlainSquare:
    name = "p"
    side = 3


PLAIN = PlainSquare()


@strawberry.type
class Shapes:
    @strawberry.field
    def shapes(self) -> list[Shape]:
        return [Square(name="s", side=2), strawberry.cast(Square, PLAIN)]  # type: ignore[list-item]


def test_strawberry_resolves_an_interface_value_to_its_class_type_unless_cast() -> None:
    """core/gql/precompleted.py completes a value of an interface type with the plan of the
    type of its own class, and leaves cast values (`type_cast_of`) to strawberry."""
    from core.internals import type_cast_of

    schema = strawberry.Schema(query=Shapes, types=[Square, Circle])
    result = schema.execute_sync("{ shapes { __typename name } }")
    assert result.errors is None
    assert result.data == {
        "shapes": [{"__typename": "Square", "name": "s"}, {"__typename": "Square", "name": "p"}]
    }
    assert type_cast_of(PLAIN) is Square and type_cast_of(Square(name="s", side=1)) is None
