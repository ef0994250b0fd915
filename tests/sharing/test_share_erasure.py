"""Erasure of received shares: by hand (`eraseReceivedShare`, the record type's erase
permission, a reason, a tombstone with provenance, audited with the legal basis) and with the
local record it became (the record's `erased` event)."""

from __future__ import annotations

from sqlalchemy import select

from core.attachments.models import Attachment
from core.sharing.models import PeerRecord
from core.sharing.peers import PEER_RECORD
from tests.seizures.test_list import upload_photo
from tests.sharing.peer_pair import Pair, agree
from tests.sharing.test_peer_shares import (
    IMPORT,
    LINK,
    SHARE,
    _has,
    audit_actions,
    codes,
    person,
    received,
    share_status,
    wait_for,
)
from tests.suspects.helpers import ERASE as ERASE_PERSON

ERASE = """mutation($id: ID!, $reason: String!) { eraseReceivedShare(id: $id, reason: $reason) {
  id status sender agreementReference legalBasis recordType sourceId nominal data fields
  photos { id } erasedBy erasedAt erasureReason links { relation } } }"""
TOMBSTONES = 'query { receivedShares(status: "erased") { status erasedBy erasureReason } }'
CHECK_PHOTO = "mutation($p: ID!) { checkPhoto(photoId: $p, showsNoPerson: true) { photoId } }"


async def _shared_person(pair: Pair, *, photo: bool = False) -> dict:
    """A person NL shares with BE with nominal data (and a checked photo): BE's share."""
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-NL-BE-2026")
    await agree(be, "nl", "MOU-NL-BE-2026")
    extra = {}
    if photo:
        photo_id = await upload_photo(nl, nl_who["officer"])
        extra["photos"] = [photo_id]
    person_id = await person(nl, nl_who["officer"], familyName="Vermeulen", **extra)
    if photo:
        body = await nl.gql(CHECK_PHOTO, {"p": extra["photos"][0]}, token=nl_who["validator"])
        assert "errors" not in body, body
    await nl.gql(SHARE, {"id": person_id, "peer": "be", "n": True}, token=nl_who["officer"])
    await wait_for(lambda: _has(share_status(nl, nl_who["officer"], person_id), "delivered"))
    [got] = await received(be, be_who["officer"])
    assert got["fields"]["familyName"] == "Vermeulen"
    return got


async def _photos_of(pair: Pair, share_id: int) -> int:
    async with pair.be.instance.db.session() as session:
        rows = await session.scalars(
            select(Attachment).where(
                Attachment.entity_type == PEER_RECORD, Attachment.entity_id == str(share_id)
            )
        )
        return len(list(rows))


async def _row(pair: Pair) -> PeerRecord:
    async with pair.be.instance.db.session() as session:
        [row] = list(await session.scalars(select(PeerRecord)))
        return row


async def test_a_received_share_is_erased_by_hand_leaving_a_tombstone(pair: Pair):
    be, be_who = pair.be, pair.tokens["be"]
    got = await _shared_person(pair, photo=True)
    row = await _row(pair)
    assert await _photos_of(pair, row.id) == 1

    # Only holders of the record type's erase permission (suspects.erase: validators).
    body = await be.gql(
        ERASE, {"id": got["id"], "reason": "x"}, token=be_who["officer"], expect_errors=True
    )
    assert codes(body) == [("FORBIDDEN", "id")]
    body = await be.gql(
        ERASE, {"id": got["id"], "reason": "  "}, token=be_who["validator"], expect_errors=True
    )
    assert codes(body) == [("REASON_REQUIRED", "reason")]
    body = await be.gql(
        ERASE,
        {"id": "UmVjZWl2ZWRTaGFyZTo5OTk=", "reason": "x"},
        token=be_who["validator"],
        expect_errors=True,
    )
    assert codes(body) == [("NOT_FOUND", "id")]  # ReceivedShare:999

    erased = (
        await be.gql(
            ERASE,
            {"id": got["id"], "reason": "data subject request 2026/17"},
            token=be_who["validator"],
        )
    )["data"]["eraseReceivedShare"]
    assert erased["status"] == "erased"
    assert erased["fields"] is None and erased["data"] == {} and erased["photos"] == []
    assert erased["links"] == []
    assert erased["erasedBy"] == "validator-be" and erased["erasedAt"]
    assert erased["erasureReason"] == "data subject request 2026/17"
    # The tombstone keeps the provenance.
    assert erased["sender"] == "nl" and erased["agreementReference"] == "MOU-NL-BE-2026"
    assert "Naples II" in erased["legalBasis"] and erased["recordType"] == "Person"
    assert erased["sourceId"] == got["sourceId"] and erased["nominal"] is True
    row = await _row(pair)
    assert row.fields is None and "Vermeulen" not in str(row.data)
    assert await _photos_of(pair, row.id) == 0

    [event] = await audit_actions(be, "sharing.peer_record_erased")
    assert event.actor_name == "validator-be" and event.entity_id == str(row.id)
    assert event.detail["agreement"] == "MOU-NL-BE-2026"
    assert "Naples II" in event.detail["legal_basis"]
    assert event.detail["reason"] == "data subject request 2026/17"
    assert event.detail["photos"] == 1
    [still] = await audit_actions(be, "sharing.peer_record_received")  # the trail stays
    assert still.entity_id == str(row.id)

    body = await be.gql(
        ERASE, {"id": got["id"], "reason": "again"}, token=be_who["validator"], expect_errors=True
    )
    assert codes(body) == [("ALREADY_ERASED", "id")]
    body = await be.gql(IMPORT, {"id": got["id"]}, token=be_who["officer"], expect_errors=True)
    assert codes(body)[0][0] in ("ALREADY_HANDLED", "NOT_IMPORTABLE")
    local = await person(be, be_who["officer"], familyName="Other")
    body = await be.gql(
        LINK, {"id": got["id"], "r": local}, token=be_who["officer"], expect_errors=True
    )
    assert codes(body) == [("ALREADY_ERASED", "id")]
    [listed] = await received(be, be_who["officer"])
    assert listed["status"] == "erased" and listed["fields"] is None


async def test_erasing_the_imported_record_erases_the_received_share(pair: Pair):
    be, be_who = pair.be, pair.tokens["be"]
    got = await _shared_person(pair)
    imported = (await be.gql(IMPORT, {"id": got["id"]}, token=be_who["officer"]))["data"][
        "importReceivedShare"
    ]
    local_id = imported["record"]["id"]
    body = await be.gql(
        ERASE_PERSON, {"id": local_id, "g": "DATA_SUBJECT_REQUEST"}, token=be_who["validator"]
    )
    assert "errors" not in body, body
    await be.instance.outbox.settle()  # the record's `erased` event reaches the subscriber

    row = await _row(pair)
    assert row.status == "erased" and row.fields is None
    assert "Vermeulen" not in str(row.data)
    assert row.local_type == "Person" and row.local_id is not None  # provenance of the import
    [event] = await audit_actions(be, "sharing.peer_record_erased")
    assert event.detail["cause"] == f"Person:{row.local_id}"
    assert "Naples II" in event.detail["legal_basis"]
    assert event.actor_name == "validator-be"
    body = await be.gql(TOMBSTONES, token=be_who["officer"])
    [listed] = body["data"]["receivedShares"]
    assert listed["status"] == "erased" and listed["erasedBy"] == "validator-be"
    assert listed["erasureReason"] == f"the local record Person:{row.local_id} was erased"


async def test_erasing_a_linked_record_erases_the_received_share(pair: Pair):
    be, be_who = pair.be, pair.tokens["be"]
    got = await _shared_person(pair)
    local = await person(be, be_who["officer"], familyName="Vermeulen")
    body = await be.gql(LINK, {"id": got["id"], "r": local}, token=be_who["officer"])
    assert body["data"]["linkReceivedShare"]["status"] == "linked"
    body = await be.gql(ERASE_PERSON, {"id": local, "g": "COURT_ORDER"}, token=be_who["validator"])
    assert "errors" not in body, body
    await be.instance.outbox.settle()
    row = await _row(pair)
    assert row.status == "erased" and row.fields is None


async def test_erasing_a_record_linked_second_erases_that_share_too(pair: Pair):
    be, be_who = pair.be, pair.tokens["be"]
    got = await _shared_person(pair)
    first = await person(be, be_who["officer"], familyName="Vermeulen")
    second = await person(be, be_who["officer"], familyName="Vermeulen", givenNames="J.")
    for target in (first, second):
        body = await be.gql(LINK, {"id": got["id"], "r": target}, token=be_who["officer"])
        assert "errors" not in body, body
    # Erasing the second (not the share's localRecordId) erases the share all the same.
    body = await be.gql(ERASE_PERSON, {"id": second, "g": "COURT_ORDER"}, token=be_who["validator"])
    assert "errors" not in body, body
    await be.instance.outbox.settle()
    row = await _row(pair)
    assert row.status == "erased" and row.fields is None
    [event] = await audit_actions(be, "sharing.peer_record_erased")
    assert event.detail["links"] == 1  # the link to the first record went with the share


async def test_erasing_an_unrelated_record_leaves_the_share(pair: Pair):
    be, be_who = pair.be, pair.tokens["be"]
    await _shared_person(pair)
    other = await person(be, be_who["officer"], familyName="Someone", givenNames="Else")
    # Never linked: its erasure leaves the share alone.
    body = await be.gql(ERASE_PERSON, {"id": other, "g": "COURT_ORDER"}, token=be_who["validator"])
    assert "errors" not in body, body
    await be.instance.outbox.settle()
    row = await _row(pair)
    assert row.status == "received" and row.fields is not None
    assert await audit_actions(be, "sharing.peer_record_erased") == []
