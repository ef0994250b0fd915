"""Counting the SQL statements a request runs."""

from __future__ import annotations

from sqlalchemy import event


async def statements(
    app, query: str, token: str | None, variables: dict | None = None
) -> tuple[int, dict]:
    """Every statement a request runs (the credential is cached by then), transaction control
    (SQLite's BEGIN) and the outbox relay's polls aside."""
    count = 0

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal count
        if statement.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            return
        if "core_outbox" not in statement:  # the outbox relay polls in the background
            count += 1

    engine = app.instance.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        body = await app.gql(query, variables, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count, body["data"]
