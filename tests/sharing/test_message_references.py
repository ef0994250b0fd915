"""Records a message to a connected instance refers to travel as non-nominal shares under the
agreement with it (issue 15, item 6): refused with the reference at fault when the agreement
does not cover them, and read on the other side as the received shares they arrived as."""

from __future__ import annotations

from tests.icomm.helpers import INBOX, SEND
from tests.sharing.peer_pair import Pair, agree
from tests.sharing.test_peer_shares import SHARES, codes, person, wait_for

THREAD = """query($id: ID!) { thread(id: $id) { subject messages { body references {
  id ... on ReceivedShare { recordType sender nominal data fields } } } } }"""


async def test_references_in_a_message_to_a_peer_travel_as_shares(pair: Pair) -> None:
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    person_id = await person(nl, nl_who["officer"], familyName="Secretname")
    message = {
        "recipients": ["role:officer@be"],
        "subject": "Follow-up",
        "body": "Please check the person in the reference.",
        "references": [person_id],
    }
    await agree(nl, "be", "MOU-SEIZURES", record_types=("Seizure",), nominal=False)
    body = await nl.gql(SEND, {"input": message}, token=nl_who["officer"], expect_errors=True)
    assert codes(body) == [("AGREEMENT_EXCLUDES_TYPE", "references[0]")]
    # Nothing was written: no thread, no share.
    inbox = (await nl.gql(INBOX, token=nl_who["officer"]))["data"]["inbox"]
    assert inbox["totalCount"] == 0
    shares = await nl.gql(SHARES, {"id": person_id}, token=nl_who["officer"])
    assert shares["data"]["recordShares"] == []

    await agree(nl, "be", "MOU-PERSONS", record_types=("Person",), nominal=False)
    await agree(be, "nl", "MOU-PERSONS", record_types=("Person",), nominal=False)
    sent = (await nl.gql(SEND, {"input": message}, token=nl_who["officer"]))["data"]
    [mine] = sent["sendMessage"]["messages"]
    assert [r["id"] for r in mine["references"]] == [person_id]  # the sender sees its record
    shares = await nl.gql(SHARES, {"id": person_id}, token=nl_who["officer"])
    [share] = shares["data"]["recordShares"]
    assert share["nominal"] is False

    async def arrived() -> list:
        found = (await be.gql(INBOX, token=be_who["officer"]))["data"]["inbox"]["edges"]
        return [e for e in found if e["node"]["subject"] == "Follow-up"]

    [edge] = await wait_for(arrived)
    thread = (await be.gql(THREAD, {"id": edge["node"]["id"]}, token=be_who["officer"]))["data"]
    [got] = thread["thread"]["messages"]
    [reference] = got["references"]
    assert reference["recordType"] == "Person" and reference["sender"] == "nl"
    assert reference["nominal"] is False and reference["fields"] is None
    assert "Secretname" not in str(thread)
    # The reference is the received share itself: readable by id like any share.
    listed = await be.gql("{ receivedShares { id } }", token=be_who["officer"])
    assert [s["id"] for s in listed["data"]["receivedShares"]] == [reference["id"]]
