"""A list of N seizures with goods, legs and history costs a constant number of SQL statements."""

from __future__ import annotations

from sqlalchemy import event

from plugins.seizures import demo
from tests.seizures.helpers import seizures_app, tokens

LIST = """{ seizures(first: 100) { totalCount edges { node {
  reference goods { commodity quantity } route { country } conveyance { containers }
  riskIndicators offenders { count } history { action actor } } } } }"""


async def statements_for_list(app, token) -> int:
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # Only the module's reads: authentication may or may not refresh the session's
        # last-use time on a given request, which is not what this test is about.
        nonlocal count
        if "seizures_" in statement or "core_audit_event" in statement:
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(LIST, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count, body["data"]["seizures"]["totalCount"]


async def test_statement_count_does_not_grow_with_the_number_of_seizures(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 5)
    few, total_few = await statements_for_list(app, who["validator"])
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 60, seed=7)
    many, total_many = await statements_for_list(app, who["validator"])
    assert (total_few, total_many) == (5, 65)
    assert few == many, (few, many)
    assert many <= 10  # page, count, five child collections, history
