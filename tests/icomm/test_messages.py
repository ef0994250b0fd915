"""Messages between users of one instance: threads, roles, read state, archive, references."""

from __future__ import annotations

from core.testing import login_as
from tests.icomm.helpers import (
    ARCHIVE,
    INBOX,
    MARK_READ,
    REPLY,
    SEND,
    THREAD,
    UNREAD,
    codes,
    fields,
)
from tests.seizures.helpers import CREATE, seizures_app, simplified_input


async def test_a_thread_reaches_users_and_role_members_with_read_state_and_archive(make_app):
    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    bob = await login_as(app, "bob", "officer")
    val1 = await login_as(app, "val1", "validator")
    val2 = await login_as(app, "val2", "validator")
    body = await app.gql(
        SEND,
        {
            "input": {
                "recipients": ["bob", "role:validator"],
                "subject": "Container NLRTM",
                "body": "Please check the manifest.",
            }
        },
        token=alice,
    )
    thread = body["data"]["sendMessage"]
    assert thread["subject"] == "Container NLRTM" and thread["unread"] is False
    assert thread["messages"][0]["recipients"] == ["bob", "role:validator"]
    for token in (bob, val1, val2):
        assert (await app.gql(UNREAD, token=token))["data"]["unreadCount"] == 1
        inbox = (await app.gql(INBOX, token=token))["data"]["inbox"]
        assert inbox["totalCount"] == 1
        node = inbox["edges"][0]["node"]
        assert node["unread"] and node["lastMessage"] == {
            "author": "alice",
            "body": "Please check the manifest.",
        }
    assert (await app.gql(UNREAD, token=alice))["data"]["unreadCount"] == 0

    # Bob reads and answers: everyone else has one more unread message, Bob none.
    read = await app.gql(MARK_READ, {"id": thread["id"]}, token=bob)
    assert read["data"]["markThreadRead"]["unread"] is False
    await app.gql(REPLY, {"id": thread["id"], "body": "Done, all in order."}, token=bob)
    assert (await app.gql(UNREAD, token=bob))["data"]["unreadCount"] == 0
    alice_view = (await app.gql(THREAD, {"id": thread["id"]}, token=alice))["data"]["thread"]
    assert alice_view["unreadCount"] == 1
    assert [m["author"] for m in alice_view["messages"]] == ["alice", "bob"]
    val1_view = (await app.gql(THREAD, {"id": thread["id"]}, token=val1))["data"]["thread"]
    assert val1_view["unreadCount"] == 2

    # Archive hides the thread from the inbox; a new message brings it back.
    await app.gql(ARCHIVE, {"id": thread["id"], "archived": True}, token=val1)
    assert (await app.gql(INBOX, token=val1))["data"]["inbox"]["totalCount"] == 0
    archived = await app.gql(INBOX, {"filter": {"archived": True}}, token=val1)
    assert archived["data"]["inbox"]["totalCount"] == 1
    await app.gql(REPLY, {"id": thread["id"], "body": "Thanks."}, token=alice)
    assert (await app.gql(INBOX, token=val1))["data"]["inbox"]["totalCount"] == 1


async def test_a_thread_is_only_visible_to_its_participants(make_app):
    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    await login_as(app, "bob", "officer")
    eve = await login_as(app, "eve", "officer")
    thread = (
        await app.gql(
            SEND, {"input": {"recipients": ["bob"], "subject": "s", "body": "b"}}, token=alice
        )
    )["data"]["sendMessage"]
    denied = await app.gql(THREAD, {"id": thread["id"]}, token=eve, expect_errors=True)
    assert codes(denied) == ["NOT_FOUND"]
    denied = await app.gql(REPLY, {"id": thread["id"], "body": "x"}, token=eve, expect_errors=True)
    assert codes(denied) == ["NOT_FOUND"]
    assert (await app.gql(INBOX, token=eve))["data"]["inbox"]["totalCount"] == 0


async def test_bad_recipients_and_texts_are_field_errors(make_app):
    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    cases = [
        (
            {"recipients": ["nobody"], "subject": "s", "body": "b"},
            "UNKNOWN_RECIPIENT",
            "recipients",
        ),
        (
            {"recipients": ["role:nope"], "subject": "s", "body": "b"},
            "UNKNOWN_RECIPIENT",
            "recipients",
        ),
        (
            {"recipients": ["Not A Name!"], "subject": "s", "body": "b"},
            "INVALID_INPUT",
            "recipients",
        ),
        ({"recipients": [], "subject": "s", "body": "b"}, "INVALID_INPUT", "recipients"),
        ({"recipients": ["alice"], "subject": " ", "body": "b"}, "INVALID_INPUT", "subject"),
        ({"recipients": ["alice"], "subject": "s", "body": ""}, "INVALID_INPUT", "body"),
        ({"recipients": ["x@lisbon"], "subject": "s", "body": "b"}, "UNKNOWN_PEER", "recipients"),
    ]
    for given, code, field in cases:
        body = await app.gql(SEND, {"input": given}, token=alice, expect_errors=True)
        assert codes(body) == [code] and fields(body) == [field], (given, body)
    assert (await app.gql(INBOX, token=alice))["data"]["inbox"]["totalCount"] == 0


async def test_the_inbox_pages_newest_first(make_app):
    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    bob = await login_as(app, "bob", "officer")
    for n in range(5):
        await app.gql(
            SEND,
            {"input": {"recipients": ["bob"], "subject": f"s{n}", "body": "b"}},
            token=alice,
        )
    seen, after = [], None
    while True:
        page = (await app.gql(INBOX, {"first": 2, "after": after}, token=bob))["data"]["inbox"]
        seen += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["s4", "s3", "s2", "s1", "s0"]


async def test_references_are_shown_only_to_readers_allowed_to_see_the_record(make_app):
    app = await seizures_app(make_app, ["seizures", "icomm"])
    officer = await login_as(app, "officer1", "officer")
    other = await login_as(app, "officer2", "officer")
    seizure = (await app.gql(CREATE, {"input": simplified_input()}, token=officer))["data"][
        "createSeizure"
    ]
    # A draft seizure is seen by its author; officer2 receives the message without it.
    thread = (
        await app.gql(
            SEND,
            {
                "input": {
                    "recipients": ["officer2"],
                    "subject": "this seizure",
                    "body": "see the record",
                    "references": [seizure["id"]],
                }
            },
            token=officer,
        )
    )["data"]["sendMessage"]
    assert thread["messages"][0]["references"] == [{"id": seizure["id"]}]
    seen = (await app.gql(THREAD, {"id": thread["id"]}, token=other))["data"]["thread"]
    visible = await app.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": seizure["id"]}, token=other
    )
    expected = [{"id": seizure["id"]}] if visible["data"]["node"] else []
    assert seen["messages"][0]["references"] == expected
    bad = await app.gql(
        SEND,
        {
            "input": {
                "recipients": ["officer1"],
                "subject": "s",
                "body": "b",
                "references": ["eA=="],
            }
        },
        token=other,
        expect_errors=True,
    )
    assert codes(bad) == ["INVALID_INPUT"] and fields(bad) == ["references"]


async def test_photos_attached_to_a_message_are_fetched_by_participants_only(make_app):
    from tests.attachment_helpers import jpeg_with_gps

    app = await make_app(modules=["icomm"])
    alice = await login_as(app, "alice", "officer")
    bob = await login_as(app, "bob", "officer")
    eve = await login_as(app, "eve", "officer")
    response = await app.client.post(
        "/attachments",
        files={"file": ("wall.jpg", jpeg_with_gps())},
        headers={"authorization": f"Bearer {alice}"},
    )
    assert response.status_code == 201, response.text
    upload = response.json()["id"]
    query = SEND.replace("references { id }", "references { id } attachments { id url }")
    thread = (
        await app.gql(
            query,
            {
                "input": {
                    "recipients": ["bob"],
                    "subject": "photo",
                    "body": "see attached",
                    "attachmentIds": [upload],
                }
            },
            token=alice,
        )
    )["data"]["sendMessage"]
    [photo] = thread["messages"][0]["attachments"]
    assert photo["id"] == upload
    for token, status in ((bob, 200), (alice, 200), (eve, 404)):
        fetched = await app.client.get(photo["url"], headers={"authorization": f"Bearer {token}"})
        assert fetched.status_code == status, (token, fetched.status_code)
    # Someone else's upload, or one used already, cannot be attached.
    again = await app.gql(
        SEND,
        {"input": {"recipients": ["bob"], "subject": "s", "body": "b", "attachmentIds": [upload]}},
        token=alice,
        expect_errors=True,
    )
    assert fields(again) == ["attachmentIds[0]"]
