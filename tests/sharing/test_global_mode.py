"""Global mode: the global database stores what national instances send, non-nominal only,
read-only, corrections and withdrawals applied, every receipt audited."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.sharing.models import ReceivedRecord
from core.sharing.receive import PayloadRefused
from core.sharing.received import receive_global
from tests.sharing.helpers import PREVIEW, sharing_app, tokens, validated_seizure

RECORDS = """query($withdrawn: Boolean!) { globalRecords(includeWithdrawn: $withdrawn) {
  senderCountry sender recordType sourceId version data withdrawnAt } }"""


async def a_payload(app, who):
    sid, _ = await validated_seizure(app, who, narrative="Driver J. Doe fled.")
    return (await app.gql(PREVIEW, {"id": sid}, token=who["validator"]))["data"]["cenPreview"]


async def test_a_national_instance_does_not_receive(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    payload = await a_payload(app, who)
    with pytest.raises(PayloadRefused) as refused:
        await receive_global(app.instance, payload, sender="nl", sender_country="XX")
    assert refused.value.code == "NOT_GLOBAL"


async def test_the_global_database_keeps_the_latest_non_nominal_version(make_app):
    app = await sharing_app(make_app, mode="off", global_database=True)
    who = await tokens(app)
    payload = await a_payload(app, who)
    receipt = await receive_global(app.instance, payload, sender="xx-customs", sender_country="XX")
    assert receipt.stored

    [stored] = (await app.gql(RECORDS, {"withdrawn": False}, token=who["analyst"]))["data"][
        "globalRecords"
    ]
    assert stored["senderCountry"] == "XX" and stored["recordType"] == "Seizure"
    assert stored["data"] == payload["data"] and "narrative" not in stored["data"]

    correction = copy.deepcopy(payload)
    correction["kind"], correction["record"]["version"] = "correction", 9
    correction["data"]["area"] = "tobacco"
    assert (
        await receive_global(app.instance, correction, sender="xx-customs", sender_country="XX")
    ).stored
    stale = copy.deepcopy(payload)  # an older version arriving late changes nothing
    assert not (
        await receive_global(app.instance, stale, sender="xx-customs", sender_country="XX")
    ).stored
    [stored] = (await app.gql(RECORDS, {"withdrawn": False}, token=who["analyst"]))["data"][
        "globalRecords"
    ]
    assert (stored["version"], stored["data"]["area"]) == (9, "tobacco")

    withdrawal = {
        "schemaVersion": 1,
        "kind": "withdrawal",
        "sender": payload["sender"],
        "record": {**payload["record"], "version": 10},
    }
    await receive_global(app.instance, withdrawal, sender="xx-customs", sender_country="XX")
    assert (await app.gql(RECORDS, {"withdrawn": False}, token=who["analyst"]))["data"][
        "globalRecords"
    ] == []
    [gone] = (await app.gql(RECORDS, {"withdrawn": True}, token=who["analyst"]))["data"][
        "globalRecords"
    ]
    assert gone["data"] is None and gone["withdrawnAt"]

    async with app.instance.db.session() as session:
        receipts = await session.scalar(
            select(func.count()).where(AuditEvent.action == "sharing.received")
        )
    assert receipts == 4


async def test_nominal_fields_and_wrong_senders_are_refused_and_nothing_is_stored(make_app):
    app = await sharing_app(make_app, mode="off", global_database=True)
    who = await tokens(app)
    payload = await a_payload(app, who)
    nominal = copy.deepcopy(payload)
    nominal["data"]["internalNotes"] = "J. Doe is known to us"
    with pytest.raises(PayloadRefused) as refused:
        await receive_global(app.instance, nominal, sender="xx", sender_country="XX")
    assert refused.value.code == "NOMINAL_FIELD"
    with pytest.raises(PayloadRefused) as refused:
        await receive_global(app.instance, payload, sender="fr", sender_country="FR")
    assert refused.value.code == "SENDER_MISMATCH"
    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ReceivedRecord)) == 0


async def test_received_records_are_searchable_on_the_global_database(make_app):
    app = await sharing_app(make_app, mode="off", global_database=True)
    who = await tokens(app)
    payload = await a_payload(app, who)
    await receive_global(app.instance, payload, sender="xx-customs", sender_country="XX")
    await app.instance.outbox.settle()
    search = """query($q: String!) { search(query: $q) { totalCount
      edges { node { __typename ... on GlobalRecord { recordType senderCountry data } } } } }"""
    body = await app.gql(search, {"q": "countries:XX codes:cocaine"}, token=who["analyst"])
    hits = [
        e["node"]
        for e in body["data"]["search"]["edges"]
        if e["node"]["__typename"] == "GlobalRecord"
    ]
    assert [(h["recordType"], h["senderCountry"]) for h in hits] == [("Seizure", "XX")]
    assert hits[0]["data"]["reference"] == payload["data"]["reference"]
    # Without core.sharing.global_view, no hit of it at all.
    officer = await app.gql(search, {"q": "countries:XX codes:cocaine"}, token=who["officer"])
    assert all(
        e["node"]["__typename"] != "GlobalRecord" for e in officer["data"]["search"]["edges"]
    )

    withdrawal = {**payload, "kind": "withdrawal", "record": {**payload["record"], "version": 99}}
    del withdrawal["data"]
    await receive_global(app.instance, withdrawal, sender="xx-customs", sender_country="XX")
    await app.instance.outbox.settle()
    body = await app.gql(search, {"q": "countries:XX codes:cocaine"}, token=who["analyst"])
    assert all(e["node"]["__typename"] != "GlobalRecord" for e in body["data"]["search"]["edges"])


async def test_the_global_database_refuses_shares_with_nominal_fields(make_app):
    from core.sharing.peers import Provenance, receive_shared, share_content

    app = await sharing_app(make_app, mode="off", global_database=True)
    who = await tokens(app)
    payload = await a_payload(app, who)
    provenance = Provenance(
        share_uid="7b1c1a52-47a4-4d7e-9a38-6a2a7c5b1f01",
        sender="xx-customs",
        sender_key_id="0123456789abcdef",
        sender_country="XX",
        agreement_reference="MOU-1",
        legal_basis="Whatever an agreement says",
        nominal_allowed=True,
    )
    async with app.instance.db.transaction() as session:
        with pytest.raises(PayloadRefused) as refused:
            await receive_shared(
                app.instance, session, share_content(payload, {"familyName": "Doe"}), provenance
            )
    assert refused.value.code == "NOMINAL_FIELD" and refused.value.fields == ["fields"]
