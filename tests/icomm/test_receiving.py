"""The receiving endpoint refuses, and audits, what it must not accept: a tampered signature,
an unknown peer, an expired agreement, a replay, an oversized envelope; it applies a genuine
envelope once however often it arrives."""

from __future__ import annotations

import datetime as dt
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.instance_key import key_id, public_hex
from core.testing import login_as
from plugins.icomm.envelopes import Envelope, sign, timestamp
from plugins.icomm.keys import own_key_id, signing_key
from plugins.icomm.peers import AgreementInput, add_agreement, add_peer
from tests.icomm.helpers import INBOX

PATH = "/modules/icomm/envelopes"
TODAY = dt.date.today()


def message(
    receiver: str,
    key: Ed25519PrivateKey,
    *,
    body: str = "hello",
    sent_at=None,
    envelope_id=None,
    **extra,
) -> dict:
    envelope = Envelope(
        id=envelope_id or str(uuid.uuid4()),
        kind="message",
        sender=key_id(key.public_key()),
        recipient=receiver,
        sent_at=timestamp(sent_at),
        agreement="MOU-1",
        body={
            "thread": str(uuid.uuid4()),
            "subject": "From the peer",
            "message": str(uuid.uuid4()),
            "author": "carol",
            "recipients": ["bob"],
            "body": body,
            **extra,
        },
    )
    return sign(envelope, key)


async def post(app, *wires) -> list[dict]:
    response = await app.client.post(PATH, json={"envelopes": list(wires)})
    assert response.status_code == 200, response.text
    return response.json()["document"]["results"]


async def refusals(app) -> list[str]:
    async with app.instance.db.session() as session:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "icomm.envelope.refused")
                .order_by(AuditEvent.seq)
            )
        ).all()
    return [r.detail["reason"] for r in rows]


async def test_refused_envelopes_are_audited_and_a_genuine_one_applies_once(make_app):
    app = await make_app(
        modules=["icomm"], module_settings={"icomm": {"max_envelope_bytes": 262_144}}
    )
    bob = await login_as(app, "bob", "officer")
    other = await login_as(app, "bob2", "officer")
    receiver = own_key_id(app.instance)
    peer_key, stranger_key, expired_key = (Ed25519PrivateKey.generate() for _ in range(3))
    await add_peer(
        app.instance, "tests", "lisbon", "http://127.0.0.1:9", public_hex(peer_key.public_key())
    )
    await add_agreement(
        app.instance, "tests", "lisbon", AgreementInput("Naples II art. 7", "MOU-1", TODAY)
    )
    await add_peer(
        app.instance, "tests", "old", "http://127.0.0.1:9", public_hex(expired_key.public_key())
    )
    await add_agreement(
        app.instance,
        "tests",
        "old",
        AgreementInput(
            "Expired MoU", "MOU-0", TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1)
        ),
    )

    genuine = message(receiver, peer_key)
    assert [r["status"] for r in await post(app, genuine)] == ["delivered"]
    # The same envelope again (a retry, or a replay within the window): not applied twice.
    assert [r["status"] for r in await post(app, genuine)] == ["duplicate"]

    tampered = message(receiver, peer_key)
    tampered["envelope"]["body"]["body"] = "changed on the way"
    stale = message(receiver, peer_key, sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    oversized = message(receiver, peer_key, body="x" * 300_000)
    results = await post(
        app,
        tampered,
        message(receiver, stranger_key),
        message(receiver, expired_key),
        stale,
        oversized,
        message("0" * 16, peer_key),
        {"envelope": "nonsense"},
        message(receiver, peer_key, attachments=[{"media_type": "image/jpeg", "data": "bm9wZQ=="}]),
    )
    assert [(r["status"], r["reason"]) for r in results] == [
        ("refused", "bad_signature"),
        ("refused", "unknown_peer"),
        ("refused", "no_agreement"),
        ("refused", "stale"),
        ("refused", "too_large"),
        ("refused", "wrong_recipient"),
        ("refused", "malformed"),
        ("refused", "bad_attachment"),
    ]
    assert await refusals(app) == [
        "bad_signature",
        "unknown_peer",
        "no_agreement",
        "stale",
        "too_large",
        "wrong_recipient",
        "malformed",
        "bad_attachment",
    ]
    async with app.instance.db.session() as session:
        replays = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "icomm.envelope.replayed")
            )
        ).all()
        received = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "icomm.envelope.received")
            )
        ).all()
    assert len(replays) == 1 and len(received) == 1
    assert received[0].detail["legal_basis"] == "Naples II art. 7"
    # Only the genuine message reached bob's mailbox, once; nobody else got anything.
    inbox = (await app.gql(INBOX, token=bob))["data"]["inbox"]
    assert inbox["totalCount"] == 1
    assert inbox["edges"][0]["node"]["lastMessage"] == {"author": "carol@lisbon", "body": "hello"}
    assert (await app.gql(INBOX, token=other))["data"]["inbox"]["totalCount"] == 0


async def test_the_answer_is_signed_and_bad_requests_are_refused_whole(make_app):
    from plugins.icomm.envelopes import verify_document

    app = await make_app(modules=["icomm"])
    response = await app.client.post(PATH, json={"envelopes": []})
    document = verify_document(response.json(), signing_key(app.instance).public_key())
    assert document == {"receiver": own_key_id(app.instance), "results": []}
    response = await app.client.post(PATH, content=b"not json")
    assert response.status_code == 400
    response = await app.client.post(PATH, content=b"x" * 34_000_000)
    assert response.status_code == 413
