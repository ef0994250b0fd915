"""Notifications: other modules post them through core (a no-op without icomm); a returned
record tells its author, with the comment, once."""

from __future__ import annotations

from sqlalchemy import func, select

from core.events import RecordEvent
from core.notifications import post_notification
from core.outbox import OutboxRow
from core.testing import login_as
from core.web import create_app
from plugins.icomm.notices import on_record_changed
from tests.icomm.helpers import INBOX, THREAD
from tests.seizures.helpers import CREATE, RETURN, SUBMIT, seizures_app, simplified_input


async def test_a_returned_seizure_tells_its_author_with_the_comment(make_app):
    app = await seizures_app(make_app, ["seizures", "icomm"])
    officer = await login_as(app, "officer1", "officer")
    validator = await login_as(app, "validator1", "validator")
    seizure = (await app.gql(CREATE, {"input": simplified_input()}, token=officer))["data"][
        "createSeizure"
    ]
    submitted = (
        await app.gql(SUBMIT, {"id": seizure["id"], "v": seizure["version"]}, token=officer)
    )["data"]["submitSeizure"]
    await app.gql(
        RETURN,
        {"id": seizure["id"], "v": submitted["version"], "c": "The weight is missing."},
        token=validator,
    )
    await app.instance.outbox.settle()
    inbox = (await app.gql(INBOX, {"filter": {"kind": "notice"}}, token=officer))["data"]["inbox"]
    assert inbox["totalCount"] == 1
    node = inbox["edges"][0]["node"]
    assert node["subject"] == f"Seizure {seizure['reference']} returned"
    assert node["lastMessage"]["author"] == "ncen"
    assert node["lastMessage"]["body"] == (
        f"Your seizure {seizure['reference']} was returned by validator1: The weight is missing."
    )
    thread = (await app.gql(THREAD, {"id": node["id"]}, token=officer))["data"]["thread"]
    assert thread["messages"][0]["references"] == [{"id": seizure["id"]}]
    # The validator got nothing.
    assert (await app.gql(INBOX, token=validator))["data"]["inbox"]["totalCount"] == 0

    # The event delivered again (at least once) makes no second notice.
    async with app.instance.db.session() as session:
        payloads = (
            await session.scalars(
                select(OutboxRow.payload).where(
                    OutboxRow.handler == "icomm.on_record_changed",
                )
            )
        ).all()
    [returned] = [p for p in payloads if p["action"] == "returned"]
    await on_record_changed(app.instance, RecordEvent.from_payload(returned))
    again = (await app.gql(INBOX, {"filter": {"kind": "notice"}}, token=officer))["data"]
    assert again["inbox"]["totalCount"] == 1


async def test_post_notification_reaches_users_and_is_a_no_op_without_icomm(make_app):
    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    await login_as(app, "val", "validator")
    async with app.instance.db.transaction() as session:
        assert post_notification(
            session,
            recipients=["alice", "role:validator", "nobody"],
            subject="Code list updated",
            body="HS 2026 is in force.",
        )
    await app.instance.outbox.settle()
    inbox = (await app.gql(INBOX, token=alice))["data"]["inbox"]
    assert [e["node"]["subject"] for e in inbox["edges"]] == ["Code list updated"]

    # Over the same database, an instance without icomm has no trace of it and writes nothing.
    without = await make_app(modules=["seizures"])
    sdl = without.instance.schema.as_str()
    assert "Icomm" not in sdl and "inbox" not in sdl and "tasks" not in sdl
    assert not any(r.path.startswith("/modules/icomm") for r in create_app(without.instance).routes)

    async def rows() -> int:
        async with without.instance.db.session() as session:
            query = select(func.count()).where(OutboxRow.topic == "core.notification")
            return await session.scalar(query.select_from(OutboxRow))

    before = await rows()
    async with without.instance.db.transaction() as session:
        assert not post_notification(session, recipients=["alice"], subject="s", body="b")
    assert await rows() == before
