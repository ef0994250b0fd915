"""The registry of connected instances: administrators only (separation of duties), audited,
with clear errors; the CLI does the same."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.permissions import administrative
from core.instance_key import public_hex
from core.testing import login_as
from tests.icomm.helpers import INBOX, SEND, codes, fields

PEERS = """query { peers { name url keyId publicKey agreements {
  id reference legalBasis direction validFrom validUntil validToday nominal recordTypes } } }"""
ADD = """mutation($input: AddPeerInput!) { addPeer(input: $input) { name keyId } }"""
AGREE = """mutation($input: AddAgreementInput!) { addAgreement(input: $input) {
  name agreements { id reference validToday direction } } }"""
REMOVE = "mutation($name: String!) { removePeer(name: $name) }"
KEY = "query { instanceKey { publicKey keyId } }"


async def test_administrators_manage_peers_and_see_no_mail(make_app):
    app = await make_app(modules=["icomm"])
    admin = await login_as(app, "admin1", "admin")
    officer = await login_as(app, "officer1", "officer")
    assert "icomm.peers.manage" in administrative()
    key = public_hex(Ed25519PrivateKey.generate().public_key())
    added = await app.gql(
        ADD, {"input": {"name": "Lisbon", "url": "https://ncen.pt/", "publicKey": key}}, token=admin
    )
    assert added["data"]["addPeer"]["name"] == "lisbon"
    agreed = await app.gql(
        AGREE,
        {
            "input": {
                "peer": "lisbon",
                "legalBasis": "Naples II",
                "reference": "MOU-PT-1",
                "validFrom": "2026-01-01",
                "direction": "send",
            }
        },
        token=admin,
    )
    assert agreed["data"]["addAgreement"]["agreements"][0]["validToday"] is True
    listed = (await app.gql(PEERS, token=admin))["data"]["peers"]
    assert [(p["name"], p["url"], p["publicKey"]) for p in listed] == [
        ("lisbon", "https://ncen.pt", key)
    ]
    assert len((await app.gql(KEY, token=admin))["data"]["instanceKey"]["publicKey"]) == 64

    # Separation of duties: the administrator has no mailbox; an officer manages no peer.
    assert codes(await app.gql(INBOX, token=admin, expect_errors=True)) == ["FORBIDDEN"]
    assert codes(await app.gql(PEERS, token=officer, expect_errors=True)) == ["FORBIDDEN"]

    for given, field in [
        ({"name": "lisbon", "url": "https://x.pt", "publicKey": key}, "name"),
        ({"name": "porto", "url": "https://x.pt", "publicKey": key}, "key"),
        ({"name": "porto", "url": "ftp://x.pt", "publicKey": key}, "url"),
        ({"name": "porto", "url": "https://x.pt", "publicKey": "abc"}, "key"),
        ({"name": "no spaces", "url": "https://x.pt", "publicKey": key}, "name"),
    ]:
        body = await app.gql(ADD, {"input": given}, token=admin, expect_errors=True)
        assert fields(body) == [field], (given, body)

    # A message to the peer needs an agreement for sending; references do not cross yet.
    refused = await app.gql(
        SEND,
        {
            "input": {
                "recipients": ["role:liaison@lisbon"],
                "subject": "s",
                "body": "b",
                "references": [],
            }
        },
        token=officer,
    )
    assert refused["data"]["sendMessage"]["peer"] == "lisbon"
    await app.gql(REMOVE, {"name": "lisbon"}, token=admin)
    assert (await app.gql(PEERS, token=admin))["data"]["peers"] == []
    async with app.instance.db.session() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("icomm.%"))
                # The delivery worker may already have given up on the queued message (the peer
                # is unreachable, then gone): that outcome is audited too, at a moment of its own.
                .where(AuditEvent.action.not_like("icomm.envelope.%"))
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert actions == ["icomm.peer.added", "icomm.agreement.added", "icomm.peer.removed"]


async def test_without_agreement_nothing_is_sent(make_app):
    app = await make_app(modules=["icomm"])
    admin = await login_as(app, "admin1", "admin")
    officer = await login_as(app, "officer1", "officer")
    analyst = await login_as(app, "analyst1", "analyst")
    key = public_hex(Ed25519PrivateKey.generate().public_key())
    await app.gql(
        ADD,
        {"input": {"name": "rabat", "url": "http://127.0.0.1:9", "publicKey": key}},
        token=admin,
    )
    message = {"recipients": ["role:liaison@rabat"], "subject": "s", "body": "b"}
    body = await app.gql(SEND, {"input": message}, token=officer, expect_errors=True)
    assert codes(body) == ["NO_AGREEMENT"] and fields(body) == ["recipients"]
    await app.gql(
        AGREE,
        {
            "input": {
                "peer": "rabat",
                "legalBasis": "MoU",
                "reference": "R-1",
                "validFrom": "2020-01-01",
                "validUntil": "2021-01-01",
            }
        },
        token=admin,
    )
    body = await app.gql(SEND, {"input": message}, token=officer, expect_errors=True)
    assert codes(body) == ["NO_AGREEMENT"]
    await app.gql(
        AGREE,
        {
            "input": {
                "peer": "rabat",
                "legalBasis": "MoU",
                "reference": "R-2",
                "validFrom": "2020-01-01",
            }
        },
        token=admin,
    )
    # References travel as shares (tests/sharing/test_message_references.py): only records
    # the caller may see.
    with_refs = dict(message, references=["U2VpenVyZTox"])
    body = await app.gql(SEND, {"input": with_refs}, token=officer, expect_errors=True)
    assert codes(body) == ["INVALID_INPUT"]  # no seizures here: not a record type
    assert fields(body) == ["references[0]"]
    with_photo = dict(message, attachmentIds=["3f0c"])
    body = await app.gql(SEND, {"input": with_photo}, token=officer, expect_errors=True)
    assert fields(body) == ["attachmentIds[0]"]  # not an upload of theirs
    # Analysts may write to colleagues, not to other instances.
    body = await app.gql(SEND, {"input": message}, token=analyst, expect_errors=True)
    assert codes(body) == ["FORBIDDEN"]
    sent = await app.gql(SEND, {"input": message}, token=officer)
    [msg] = sent["data"]["sendMessage"]["messages"]
    assert msg["delivery"] == "queued" and msg["recipients"] == ["role:liaison@rabat"]
