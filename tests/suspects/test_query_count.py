"""A list of N persons with their children costs a constant number of reads of the module's
tables (the per-person consultation events are core's audit writes, one row per person)."""

from __future__ import annotations

from sqlalchemy import event

from plugins.suspects import demo
from tests.suspects.helpers import count_views, suspects_app, tokens

LIST = """{ persons(first: 100) { totalCount edges { node {
  familyName aliases nationalities documents { number } addresses { city } phones
  photos { id } } } } }"""


async def reads_for_list(app, token) -> tuple[int, int]:
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal count
        if statement.lstrip().upper().startswith("SELECT") and (
            "suspects_" in statement or "core_attachment" in statement
        ):
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(LIST, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count, body["data"]["persons"]["totalCount"]


async def test_statement_count_does_not_grow_with_the_number_of_persons(make_app):
    app = await suspects_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, 20)
    few, total_few = await reads_for_list(app, who["validator"])
    async with app.instance.db.transaction() as session:
        await demo.load(session, 60, seed=7)
    before = await count_views(app)
    many, total_many = await reads_for_list(app, who["validator"])
    assert (total_few, total_many) == (20, 80)
    assert few == many, (few, many)
    assert many <= 9  # page, count, five child collections, photos
    assert await count_views(app) - before == 80  # one consultation event per person served
