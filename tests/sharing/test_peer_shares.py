"""Sharing records with a connected national instance under an agreement: the sender's checks
(coded errors), the signed transport, the receiver's read-only received share with its
provenance, its import through the record lifecycle with duplicate hints, links, receipts back
to the sender, audit with the legal basis on both sides, and revocation."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.audit.models import AuditEvent
from plugins.icomm.peers import revoke_agreement
from tests.icomm.helpers import INBOX
from tests.sharing.peer_pair import Pair, agree
from tests.suspects.helpers import CREATE as CREATE_PERSON
from tests.suspects.helpers import person_input

SHARE = """mutation($id: ID!, $peer: String!, $n: Boolean!) {
  shareRecord(id: $id, peer: $peer, includeNominal: $n) {
    id recordId peer nominal agreementReference status error payloadSha256 sharedBy } }"""
SHARES = """query($id: ID) { recordShares(recordId: $id) { id status error nominal } }"""
RECEIVED = """query { receivedShares {
  id sender senderCountry agreementReference legalBasis recordType sourceId nominal data fields
  sharedBy status localRecordId photos { id mediaType url }
  importCheck { importable problems { field code } duplicates { recordId score reasons } }
  links { relation entityType } } }"""
IMPORT = """mutation($id: ID!) { importReceivedShare(id: $id) {
  share { status localRecordId } record { id ... on Person { familyName status } } } }"""
LINK = """mutation($id: ID!, $r: ID!) { linkReceivedShare(id: $id, recordId: $r) {
  status localRecordId links { relation entityType } } }"""


def codes(body: dict) -> list[tuple[str, str | None]]:
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]]


async def person(app, token: str, **overrides) -> str:
    data = (await app.gql(CREATE_PERSON, {"input": person_input(**overrides)}, token=token))["data"]
    return data["createPerson"]["id"]


async def wait_for(check, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(seconds):
        while True:
            if value := await check():
                return value
            await asyncio.sleep(0.05)


async def share_status(app, token: str, record_id: str) -> list[str]:
    body = await app.gql(SHARES, {"id": record_id}, token=token)
    return [s["status"] for s in body["data"]["recordShares"]]


async def received(app, token: str) -> list[dict]:
    return (await app.gql(RECEIVED, token=token))["data"]["receivedShares"]


async def audit_actions(app, prefix: str) -> list[AuditEvent]:
    async with app.instance.db.session() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.seq)
        )
        return list(rows)


async def test_share_is_refused_without_an_agreement_covering_it(pair: Pair):
    nl, who = pair.nl, pair.tokens["nl"]
    person_id = await person(nl, who["officer"])
    variables = {"id": person_id, "peer": "be", "n": False}

    body = await nl.gql(SHARE, variables, token=who["officer"], expect_errors=True)
    assert codes(body) == [("NO_AGREEMENT", "peer")]

    await agree(nl, "be", "MOU-SEIZURES", record_types=("Seizure",), nominal=True)
    body = await nl.gql(SHARE, variables, token=who["officer"], expect_errors=True)
    assert codes(body) == [("AGREEMENT_EXCLUDES_TYPE", "id")]

    await agree(nl, "be", "MOU-PERSONS-NN", record_types=("Person",), nominal=False)
    body = await nl.gql(SHARE, {**variables, "n": True}, token=who["officer"], expect_errors=True)
    assert codes(body) == [("AGREEMENT_EXCLUDES_NOMINAL", "includeNominal")]

    body = await nl.gql(
        SHARE, {**variables, "peer": "nowhere"}, token=who["officer"], expect_errors=True
    )
    assert codes(body) == [("UNKNOWN_PEER", "peer")]
    # An analyst has no icomm.records.share.
    body = await nl.gql(SHARE, variables, token=who["analyst"], expect_errors=True)
    assert codes(body)[0][0] == "FORBIDDEN"
    # The non-nominal share under the agreement that covers it is accepted.
    share = (await nl.gql(SHARE, variables, token=who["officer"]))["data"]["shareRecord"]
    assert share["agreementReference"] == "MOU-PERSONS-NN" and share["nominal"] is False


async def test_a_person_is_shared_imported_and_the_sender_sees_the_receipts(pair: Pair):
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-NL-BE-2026")
    await agree(be, "nl", "MOU-NL-BE-2026")
    person_id = await person(nl, nl_who["officer"], familyName="Vermeulen", givenNames="Jan")
    # A twin already on the receiving side: the same passport.
    twin = await person(be, be_who["officer"], familyName="Vermeulen", givenNames="Johannes")

    share = (
        await nl.gql(SHARE, {"id": person_id, "peer": "be", "n": True}, token=nl_who["officer"])
    )["data"]["shareRecord"]
    assert share["nominal"] is True and share["sharedBy"] == "officer-nl"
    await wait_for(lambda: _has(share_status(nl, nl_who["officer"], person_id), "delivered"))

    [got] = await received(be, be_who["officer"])
    assert got["sender"] == "nl" and got["senderCountry"] == "NL"
    assert got["agreementReference"] == "MOU-NL-BE-2026" and "Naples II" in got["legalBasis"]
    assert got["recordType"] == "Person" and got["nominal"] is True
    assert got["fields"]["familyName"] == "Vermeulen"
    assert "familyName" not in got["data"]  # the payload is the non-nominal projection
    assert got["sharedBy"] == "officer-nl" and got["status"] == "received"
    check = got["importCheck"]
    assert check["importable"] is True and check["problems"] == []
    assert [d["recordId"] for d in check["duplicates"]] == [twin]
    assert "document" in check["duplicates"][0]["reasons"]

    # The officers are told, by a notice that names no one.
    inbox = (await be.gql(INBOX, token=be_who["officer"]))["data"]["inbox"]
    [notice] = [e["node"] for e in inbox["edges"]]
    assert notice["subject"] == "nl (NL) shared a Person record"
    assert "MOU-NL-BE-2026" in notice["lastMessage"]["body"]
    assert "Vermeulen" not in str(notice)

    # Readable only by holders of the record type's view permission: not an administrator.
    from core.testing import login_as

    admin = await login_as(be, "admin-be", "admin")
    assert await received(be, admin) == []

    imported = (await be.gql(IMPORT, {"id": got["id"]}, token=be_who["officer"]))["data"][
        "importReceivedShare"
    ]
    assert imported["record"]["familyName"] == "Vermeulen"
    assert imported["record"]["status"] == "DRAFT"
    assert imported["share"]["status"] == "imported"
    assert imported["share"]["localRecordId"] == imported["record"]["id"]
    body = await be.gql(IMPORT, {"id": got["id"]}, token=be_who["officer"], expect_errors=True)
    assert codes(body) == [("ALREADY_HANDLED", "id")]
    [again] = await received(be, be_who["officer"])
    assert again["links"] == [{"relation": "sharedAs", "entityType": "Person"}]

    # The receipt goes back: the sender's share says imported, on the record too.
    await wait_for(lambda: _has(share_status(nl, nl_who["officer"], person_id), "imported"))
    on_record = "query($id: ID!) { person(id: $id) { shares { peer status nominal } } }"
    body = await nl.gql(on_record, {"id": person_id}, token=nl_who["officer"])
    assert body["data"]["person"]["shares"] == [
        {"peer": "be", "status": "imported", "nominal": True}
    ]

    # Audit on both sides, with the legal basis.
    [shared] = await audit_actions(nl, "icomm.record.shared")
    assert shared.detail["agreement"] == "MOU-NL-BE-2026"
    assert "Naples II" in shared.detail["legal_basis"] and shared.detail["nominal"] is True
    [receipt] = await audit_actions(nl, "icomm.record.imported")
    assert receipt.detail["agreement"] == "MOU-NL-BE-2026"
    assert receipt.detail["legal_basis"] == shared.detail["legal_basis"]
    [kept] = await audit_actions(be, "sharing.peer_record_received")
    assert (
        kept.detail["agreement"] == "MOU-NL-BE-2026" and "Naples II" in kept.detail["legal_basis"]
    )
    # Reading the nominal fields of a share is a consultation, audited as reads of records are.
    views = [e for e in await audit_actions(be, "record.view") if e.entity_type == "ReceivedShare"]
    assert views and all(e.actor_name == "officer-be" for e in views)
    [done] = await audit_actions(be, "sharing.peer_record_imported")
    assert done.detail["legal_basis"] == kept.detail["legal_basis"]
    assert done.actor_name == "officer-be"


async def test_a_non_nominal_share_links_but_does_not_import(pair: Pair):
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-NN", nominal=False)
    await agree(be, "nl", "MOU-NN", nominal=False)
    person_id = await person(nl, nl_who["officer"], familyName="Secretname")
    await nl.gql(SHARE, {"id": person_id, "peer": "be", "n": False}, token=nl_who["officer"])
    [got] = await wait_for(lambda: received(be, be_who["officer"]))
    assert got["nominal"] is False and got["fields"] is None
    assert "Secretname" not in str(got)
    assert got["importCheck"]["importable"] is False
    assert got["importCheck"]["problems"] == [{"field": "id", "code": "NOT_IMPORTABLE"}]
    body = await be.gql(IMPORT, {"id": got["id"]}, token=be_who["officer"], expect_errors=True)
    assert codes(body) == [("NOT_IMPORTABLE", "id")]

    local = await person(be, be_who["officer"], familyName="Local")
    linked = (await be.gql(LINK, {"id": got["id"], "r": local}, token=be_who["officer"]))["data"][
        "linkReceivedShare"
    ]
    assert linked["status"] == "linked" and linked["localRecordId"] == local
    await wait_for(lambda: _has(share_status(nl, nl_who["officer"], person_id), "linked"))


async def test_revoked_agreements_stop_shares_on_both_sides(pair: Pair):
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    sender_side = await agree(nl, "be", "MOU-R")
    receiver_side = await agree(be, "nl", "MOU-R")
    person_id = await person(nl, nl_who["officer"])
    variables = {"id": person_id, "peer": "be", "n": True}
    await nl.gql(SHARE, variables, token=nl_who["officer"])
    await wait_for(lambda: received(be, be_who["officer"]))

    # The receiver revokes its side: the next share is refused there, and shows failed here.
    await revoke_agreement(be.instance, "tests", receiver_side)
    await agree(be, "nl", "MOU-OTHER")  # another agreement: the envelope still names MOU-R
    await nl.gql(SHARE, variables, token=nl_who["officer"])
    statuses = await wait_for(
        lambda: _has(share_status(nl, nl_who["officer"], person_id), "failed")
    )
    assert statuses == ["failed", "delivered"]
    body = await nl.gql(SHARES, {"id": person_id}, token=nl_who["officer"])
    assert "agreement_revoked" in body["data"]["recordShares"][0]["error"]
    assert len(await received(be, be_who["officer"])) == 1

    # The sender revokes its side: the next share is refused at once.
    await revoke_agreement(nl.instance, "tests", sender_side)
    body = await nl.gql(SHARE, variables, token=nl_who["officer"], expect_errors=True)
    assert codes(body) == [("NO_AGREEMENT", "peer")]


async def _has(statuses, wanted: str):  # type: ignore[no-untyped-def]
    found = await statuses
    return found if found and found[0] == wanted else None


async def test_the_receiver_refuses_a_share_under_an_agreement_it_does_not_hold(pair: Pair):
    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-NL-ONLY")
    await agree(be, "nl", "MOU-BE-ONLY")  # valid, but not the one the share names
    person_id = await person(nl, nl_who["officer"])
    await nl.gql(SHARE, {"id": person_id, "peer": "be", "n": True}, token=nl_who["officer"])
    await wait_for(lambda: _has(share_status(nl, nl_who["officer"], person_id), "failed"))
    body = await nl.gql(SHARES, {"id": person_id}, token=nl_who["officer"])
    assert "unknown_agreement" in body["data"]["recordShares"][0]["error"]
    assert await received(be, be_who["officer"]) == []
    [refused] = await audit_actions(be, "icomm.envelope.refused")
    assert refused.detail["reason"] == "unknown_agreement"


async def test_a_shared_company_hints_at_the_local_one_with_its_registration_number(pair: Pair):
    from tests.companies.helpers import CREATE as CREATE_COMPANY
    from tests.companies.helpers import company_input

    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-C")
    await agree(be, "nl", "MOU-C")
    create = {"input": company_input(legalName="Harbour Freight B.V.")}
    shared = (await nl.gql(CREATE_COMPANY, create, token=nl_who["officer"]))["data"]
    local = (await be.gql(CREATE_COMPANY, create, token=be_who["officer"]))["data"]
    await nl.gql(
        SHARE,
        {"id": shared["createCompany"]["id"], "peer": "be", "n": True},
        token=nl_who["officer"],
    )
    [got] = await wait_for(lambda: received(be, be_who["officer"]))
    duplicates = got["importCheck"]["duplicates"]
    assert [d["recordId"] for d in duplicates] == [local["createCompany"]["id"]]
    assert duplicates[0]["score"] == 100.0
    assert "eori:GB123456789000" in duplicates[0]["reasons"] and "name" in duplicates[0]["reasons"]


async def test_an_agreement_naming_the_record_type_covers_each_of_its_entity_types(pair: Pair):
    from tests.suspects.helpers import CREATE_CONVEYANCE

    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-V", record_types=("Conveyance",), nominal=False)
    await agree(be, "nl", "MOU-V", record_types=("Conveyance",), nominal=False)
    car = {"kind": "VEHICLE", "plate": "ab-12 cd", "country": "nl", "make": "Volvo"}
    created = (await nl.gql(CREATE_CONVEYANCE, {"input": car}, token=nl_who["officer"]))["data"]
    vehicle = created["createConveyance"]["id"]
    await nl.gql(SHARE, {"id": vehicle, "peer": "be", "n": False}, token=nl_who["officer"])
    [got] = await wait_for(lambda: received(be, be_who["officer"]))
    assert got["recordType"] == "Vehicle" and got["data"]["make"] == "Volvo"
    assert "plate" not in got["data"]  # nominal: a plate identifies its keeper


async def test_a_nominal_share_carries_every_child_row_past_the_flat_file_columns(pair: Pair):
    """A flat file has columns for three goods lines; a share carries the whole record, and its
    import loses nothing."""
    from tests.seizures.helpers import CREATE as CREATE_SEIZURE
    from tests.seizures.helpers import simplified_input

    nl, be = pair.nl, pair.be
    nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
    await agree(nl, "be", "MOU-FULL")
    await agree(be, "nl", "MOU-FULL")
    goods = [
        {"commodity": c, "quantity": str(n + 1), "unit": "KGM"}
        for n, c in enumerate(["cocaine", "heroin", "cannabis_resin", "khat", "cigarettes"])
    ]
    created = await nl.gql(
        CREATE_SEIZURE, {"input": simplified_input(goods=goods)}, token=nl_who["officer"]
    )
    seizure_id = created["data"]["createSeizure"]["id"]
    await nl.gql(SHARE, {"id": seizure_id, "peer": "be", "n": True}, token=nl_who["officer"])
    [got] = await wait_for(lambda: received(be, be_who["officer"]))
    assert got["fields"]["goods[4].commodity"] == "cigarettes"
    assert got["importCheck"]["importable"] is True, got["importCheck"]
    imported = await be.gql(
        """mutation($id: ID!) { importReceivedShare(id: $id) {
          record { ... on Seizure { goods { commodity quantity } } } } }""",
        {"id": got["id"]},
        token=be_who["officer"],
    )
    lines = imported["data"]["importReceivedShare"]["record"]["goods"]
    assert [line["commodity"] for line in lines] == [g["commodity"] for g in goods]
    assert [float(line["quantity"]) for line in lines] == [1, 2, 3, 4, 5]
