"""Validated seizures are queued for the global database with their non-nominal payload; the
log follows them through corrections and withdrawals, and the sender seam moves the status."""

from __future__ import annotations

import json

from sqlalchemy import select
from strawberry import relay

from core.audit.models import AuditEvent
from core.sharing.exports import acknowledge, dispatch_pending, set_global_sender
from core.sharing.payload import canonical_json, payload_sha256
from core.sharing.receive import check_incoming
from tests.seizures.helpers import SUBMIT, UPDATE, VALIDATE
from tests.sharing.helpers import (
    EXPORTS,
    PREVIEW,
    RecordingSender,
    settle,
    sharing_app,
    tokens,
    validated_seizure,
)

NAME = "Jonathan Q. Smuggler"


async def log(app, who, sid):
    body = await app.gql(EXPORTS, {"id": sid}, token=who["validator"])
    return list(reversed(body["data"]["globalExports"]))


async def test_a_validated_seizure_is_queued_with_exactly_its_preview(make_app):
    app = await sharing_app(make_app)
    who = await tokens(app)
    sid, version = await validated_seizure(app, who, narrative=f"Driver {NAME} fled.")
    await settle(app)

    [entry] = await log(app, who, sid)
    assert (entry["kind"], entry["status"], entry["recordVersion"]) == (
        "submission",
        "pending",
        version,
    )
    preview = (await app.gql(PREVIEW, {"id": sid}, token=who["validator"]))["data"]["cenPreview"]
    # The preview is the payload that was queued, byte for byte (the next one is a correction).
    assert preview["kind"] == "correction"
    assert payload_sha256({**preview, "kind": "submission"}) == entry["payloadSha256"]
    assert NAME not in json.dumps(preview) and "narrative" not in preview["data"]
    check_incoming(app.instance, preview)  # the receiving side accepts it

    async with app.instance.db.session() as session:
        queued = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "sharing.export_queued")
        )
    assert queued.entity_id == relay.GlobalID.from_id(sid).node_id
    assert queued.detail["payloadSha256"] == entry["payloadSha256"]


async def test_drafts_and_submitted_seizures_are_not_queued(make_app):
    app = await sharing_app(make_app)
    who = await tokens(app)
    from tests.seizures.helpers import CREATE, simplified_input

    created = await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"])
    seizure = created["data"]["createSeizure"]
    await app.gql(SUBMIT, {"id": seizure["id"], "v": seizure["version"]}, token=who["officer"])
    await settle(app)
    assert await log(app, who, seizure["id"]) == []


async def test_an_edited_seizure_is_corrected_when_validated_again(make_app):
    app = await sharing_app(make_app)
    who = await tokens(app)
    sid, version = await validated_seizure(app, who)
    await settle(app)
    edited = await app.gql(
        UPDATE,
        {"id": sid, "version": version, "input": {"area": "tobacco"}, "reason": "wrong area"},
        token=who["officer"],
    )
    await settle(app)
    assert len(await log(app, who, sid)) == 1  # submitted again: nothing leaves yet
    again = edited["data"]["updateSeizure"]
    await app.gql(VALIDATE, {"id": sid, "v": again["version"]}, token=who["validator"])
    await settle(app)
    first, second = await log(app, who, sid)
    assert (first["kind"], second["kind"]) == ("submission", "correction")
    async with app.instance.db.session() as session:
        from core.sharing.models import ExportEntry

        row = await session.get(ExportEntry, int(second["id"]))
    assert row.payload["data"]["area"] == "tobacco"


async def test_the_sender_moves_entries_to_sent_failed_and_acknowledged(make_app):
    app = await sharing_app(make_app)
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who)
    await settle(app)
    [entry] = await log(app, who, sid)
    assert entry["status"] == "pending"  # no transport yet: it waits

    sender = RecordingSender()
    sender.failing = True
    set_global_sender(app.instance, sender)
    assert await dispatch_pending(app.instance) == 1
    await settle(app)
    [entry] = await log(app, who, sid)
    assert entry["status"] == "failed" and "unreachable" in entry["error"]

    sender.failing = False
    await dispatch_pending(app.instance)
    await settle(app)
    [entry] = await log(app, who, sid)
    assert entry["status"] == "sent" and entry["error"] is None
    [delivery] = sender.deliveries
    assert delivery.payload_sha256 == entry["payloadSha256"]
    assert payload_sha256(delivery.payload) == delivery.payload_sha256
    assert canonical_json(delivery.payload)  # what the transport signs

    await acknowledge(app.instance, int(entry["id"]))
    [entry] = await log(app, who, sid)
    assert entry["status"] == "acknowledged"
    # A delivery repeated after the receipt (at least once) never steps the status back.
    await dispatch_pending(app.instance)
    from core.sharing.exports import _set_status

    await _set_status(app.instance, int(entry["id"]), "sent")
    [entry] = await log(app, who, sid)
    assert entry["status"] == "acknowledged" and len(sender.deliveries) == 1


async def test_manual_mode_queues_only_what_a_user_queues(make_app):
    app = await sharing_app(make_app, mode="manual")
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who)
    await settle(app)
    assert await log(app, who, sid) == []
    queue = "mutation($ids: [ID!]!) { queueGlobalExport(ids: $ids) { kind status } }"
    queued = await app.gql(queue, {"ids": [sid]}, token=who["validator"])
    assert queued["data"]["queueGlobalExport"] == [{"kind": "submission", "status": "pending"}]
    refused = await app.gql(queue, {"ids": [sid]}, token=who["analyst"], expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_off_mode_queues_nothing_and_refuses_batches(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who)
    await settle(app)
    assert await log(app, who, sid) == []
    body = await app.gql(
        "mutation($ids: [ID!]!) { queueGlobalExport(ids: $ids) { kind } }",
        {"ids": [sid]},
        token=who["validator"],
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "EXPORT_OFF"


async def test_an_erased_record_that_was_sent_is_withdrawn(make_app):
    from tests.suspects.helpers import CREATE as CREATE_PERSON
    from tests.suspects.helpers import ERASE, person_input
    from tests.suspects.helpers import SUBMIT as SUBMIT_PERSON
    from tests.suspects.helpers import VALIDATE as VALIDATE_PERSON

    app = await sharing_app(
        make_app,
        modules=["seizures", "suspects"],
        global_types=("Seizure", "Person"),
    )
    who = await tokens(app)
    created = (await app.gql(CREATE_PERSON, {"input": person_input()}, token=who["officer"]))[
        "data"
    ]["createPerson"]
    pid = created["id"]
    submitted = await app.gql(SUBMIT_PERSON, {"id": pid, "v": 1}, token=who["officer"])
    version = submitted["data"]["submitPerson"]["version"]
    await app.gql(VALIDATE_PERSON, {"id": pid, "v": version}, token=who["validator"])
    await settle(app)
    await app.gql(ERASE, {"id": pid, "g": "DATA_SUBJECT_REQUEST"}, token=who["validator"])
    await settle(app)

    submission, withdrawal = await log(app, who, pid)
    assert (submission["kind"], withdrawal["kind"]) == ("submission", "withdrawal")
    async with app.instance.db.session() as session:
        from core.sharing.models import ExportEntry

        sent = await session.get(ExportEntry, int(submission["id"]))
        gone = await session.get(ExportEntry, int(withdrawal["id"]))
    # A person travels as its non-nominal projection only: category, review date, document types.
    assert set(sent.payload["data"]) == {"category", "reviewDate", "documents", "photos"}
    assert sent.payload["data"]["documents"] == [{"type": "passport"}]
    assert "data" not in gone.payload and gone.payload["kind"] == "withdrawal"
    check_incoming(app.instance, sent.payload)
    check_incoming(app.instance, gone.payload)


async def test_one_entry_per_validated_version_and_per_event(make_app):
    import dataclasses
    import uuid

    from core.sharing.exports import on_record_event

    app = await sharing_app(make_app)
    who = await tokens(app)
    sid, version = await validated_seizure(app, who)
    await settle(app)
    [entry] = await log(app, who, sid)
    async with app.instance.db.session() as session:
        from core.events import RecordEvent

        row = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "sharing.export_queued")
        )
    event = RecordEvent(
        event_id=uuid.uuid4().hex,
        module="seizures",
        entity_type="Seizure",
        entity_id=row.entity_id,
        action="validated",
        version=version,
        actor_type="system",
        actor_id=None,
        actor_name="test",
        fields=("status",),
        occurred_at=row.occurred_at,
    )
    await on_record_event(app.instance, event)  # a second event for the same version
    await on_record_event(app.instance, event)  # and the same event delivered twice
    await on_record_event(app.instance, dataclasses.replace(event, event_id=uuid.uuid4().hex))
    assert [e["id"] for e in await log(app, who, sid)] == [entry["id"]]
