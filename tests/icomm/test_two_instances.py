"""Acceptance: two real instances (two data dirs, two `ncen serve` processes on loopback)
register each other and exchange messages both ways; the receiver is killed mid-stream and
restarted, and every message arrives exactly once."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.attachment_helpers import jpeg_with_gps
from tests.icomm.helpers import INBOX, MARK_READ, REPLY, SEND, THREAD
from tests.icomm.instances import Pair, connected_pair, gql, user, wait_for

pytestmark = pytest.mark.slow
PHOTOS = "query($id: ID!) { thread(id: $id) { messages { attachments { url } } } }"


def all_threads(server, token) -> list[dict]:
    found, after = [], None
    while True:
        page = gql(server, INBOX, {"first": 200, "after": after}, token)["inbox"]
        found += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def deliveries(server, token, thread_id) -> list[str | None]:
    messages = gql(server, THREAD, {"id": thread_id}, token)["thread"]["messages"]
    return [m["delivery"] for m in messages]


def exchange_both_ways_and_survive_a_crash(pair: Pair) -> None:
    a, b = pair.a, pair.b
    alice = user(a, "alice", "officer")
    bob = user(b, "bob", "officer")
    liaison = user(b, "desk", "officer", "validator")

    # A to B, to a user and to a role there.
    thread = gql(
        a,
        SEND,
        {
            "input": {
                "recipients": ["bob@b", "role:validator@b"],
                "subject": "Vessel Ocean Pioneer",
                "body": "Arriving Thursday.",
            }
        },
        alice,
    )["sendMessage"]
    assert thread["peer"] == "b"
    wait_for(lambda: deliveries(a, alice, thread["id"]) == ["delivered"])
    [received] = all_threads(b, bob)
    assert received["subject"] == "Vessel Ocean Pioneer" and received["peer"] == "a"
    assert received["lastMessage"] == {"author": "alice@a", "body": "Arriving Thursday."}
    assert [t["subject"] for t in all_threads(b, liaison)] == ["Vessel Ocean Pioneer"]

    # A photo crosses with its message, and only the recipients there may fetch it.
    upload = httpx.post(
        a.url + "/attachments",
        files={"file": ("wall.jpg", jpeg_with_gps())},
        headers={"authorization": f"Bearer {alice}"},
        timeout=30,
    )
    assert upload.status_code == 201, upload.text
    with_photo = {
        "recipients": ["bob@b"],
        "subject": "Concealment",
        "body": "The false wall, photographed.",
        "attachmentIds": [upload.json()["id"]],
    }
    photo_thread = gql(a, SEND, {"input": with_photo}, alice)["sendMessage"]
    wait_for(lambda: deliveries(a, alice, photo_thread["id"]) == ["delivered"])
    [there] = [t for t in all_threads(b, bob) if t["subject"] == "Concealment"]
    [photo] = gql(b, PHOTOS, {"id": there["id"]}, bob)["thread"]["messages"][0]["attachments"]
    fetched = httpx.get(b.url + photo["url"], headers={"authorization": f"Bearer {bob}"})
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/jpeg"
    denied = httpx.get(b.url + photo["url"], headers={"authorization": f"Bearer {liaison}"})
    assert denied.status_code == 404

    # B answers in the same thread; A's thread gets the answer; reading sends a receipt.
    gql(b, REPLY, {"id": received["id"], "body": "We will board it."}, bob)
    wait_for(lambda: gql(a, THREAD, {"id": thread["id"]}, alice)["thread"]["unreadCount"] == 1)
    messages = gql(a, THREAD, {"id": thread["id"]}, alice)["thread"]["messages"]
    assert [(m["author"], m["body"]) for m in messages] == [
        ("alice", "Arriving Thursday."),
        ("bob@b", "We will board it."),
    ]
    gql(b, MARK_READ, {"id": received["id"]}, bob)
    wait_for(lambda: deliveries(a, alice, thread["id"])[0] == "read")
    gql(a, MARK_READ, {"id": thread["id"]}, alice)
    wait_for(lambda: deliveries(b, bob, received["id"])[1] == "read")

    # Mid-stream crash: A keeps sending while B is killed, then B comes back.
    count = 30
    sent: list[str] = []

    def send_all() -> None:
        for n in range(count):
            body = {"recipients": ["bob@b"], "subject": f"stream {n}", "body": f"message {n}"}
            sent.append(gql(a, SEND, {"input": body}, alice)["sendMessage"]["id"])

    sender = threading.Thread(target=send_all)
    sender.start()
    wait_for(lambda: len(sent) >= 5, timeout=30, interval=0.01)
    b.kill()
    sender.join()
    b.start()

    def all_arrived() -> bool:
        subjects = [t["subject"] for t in all_threads(b, bob)]
        return sum(s.startswith("stream ") for s in subjects) >= count

    wait_for(all_arrived, timeout=120)
    subjects = [t["subject"] for t in all_threads(b, bob) if t["subject"].startswith("stream ")]
    assert sorted(subjects) == sorted(f"stream {n}" for n in range(count))  # each once
    wait_for(lambda: all(deliveries(a, alice, t) == ["delivered"] for t in sent), timeout=60)


def test_two_instances_exchange_both_ways_and_lose_nothing_when_one_is_killed(tmp_path):
    with connected_pair(tmp_path) as pair:
        exchange_both_ways_and_survive_a_crash(pair)


@pytest.mark.postgresql
def test_the_same_on_postgresql(tmp_path):
    from core.testing import throwaway_postgresql

    with (
        throwaway_postgresql(2) as (url_a, url_b),
        connected_pair(tmp_path, (url_a, url_b)) as pair,
    ):
        exchange_both_ways_and_survive_a_crash(pair)
