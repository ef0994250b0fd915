"""The seizure workflow end to end through HTTP: draft, submit, return, fix, validate."""

from __future__ import annotations

from sqlalchemy import func, select

from core.audit.models import AuditEvent
from plugins.seizures.models import Case
from tests.attachment_helpers import jpeg_with_gps
from tests.seizures.helpers import (
    CREATE,
    GET,
    RETURN,
    SUBMIT,
    UPDATE,
    VALIDATE,
    completion,
    seizures_app,
    simplified_input,
    tokens,
)


async def test_officer_to_validator_round_trip(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)

    created = (await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    assert created["status"] == "DRAFT" and created["form"] == "SIMPLIFIED"
    assert created["reference"].startswith("XX-") and created["version"] == 1
    assert created["place"]["country"] == "NL"
    assert 0 < created["completeness"] < 1 and "narrative" in created["missingFields"]
    seizure_id = created["id"]

    # Another officer cannot see the draft, a validator can.
    other = await app.gql(GET, {"id": seizure_id}, token=who["officer2"])
    assert other["data"]["seizure"] is None
    assert (await app.gql(GET, {"id": seizure_id}, token=who["validator"]))["data"]["seizure"]

    completed = (
        await app.gql(
            UPDATE, {"id": seizure_id, "version": 1, "input": completion()}, token=who["officer"]
        )
    )["data"]["updateSeizure"]
    assert completed["form"] == "FULL" and completed["completeness"] == 1.0
    assert completed["conveyance"]["containers"] == ["CSQU3054383"]
    assert completed["conveyance"]["vesselImo"] == "9074729"
    assert completed["goods"][0]["hsCode"] == "293972"
    assert completed["version"] == 2

    # A concealment photo: uploaded to the separate endpoint, then attached by an update.
    upload = await app.client.post(
        "/attachments",
        files={"file": ("wall.jpg", jpeg_with_gps())},
        headers={"authorization": f"Bearer {who['officer']}"},
    )
    assert upload.status_code in (200, 201), upload.text
    photo_id = upload.json()["id"]
    concealment = {**completion()["concealment"], "photos": [photo_id]}
    with_photo = await app.gql(
        UPDATE,
        {"id": seizure_id, "version": 2, "input": {"concealment": concealment}},
        token=who["officer"],
    )
    assert with_photo["data"]["updateSeizure"]["version"] == 3
    other_photo = await app.client.get(
        f"/attachments/{photo_id}", headers={"authorization": f"Bearer {who['officer2']}"}
    )
    assert other_photo.status_code == 404  # the draft's photo is as private as the draft

    submitted = await app.gql(SUBMIT, {"id": seizure_id, "v": 3}, token=who["officer"])
    assert submitted["data"]["submitSeizure"] == {"status": "SUBMITTED", "version": 4}

    returned = await app.gql(
        RETURN, {"id": seizure_id, "v": 4, "c": "add the seal number"}, token=who["validator"]
    )
    assert returned["data"]["returnSeizure"]["status"] == "RETURNED"

    fixed = await app.gql(
        UPDATE,
        {"id": seizure_id, "version": 5, "input": {"narrative": "Seal 778812 was broken."}},
        token=who["officer"],
    )
    assert fixed["data"]["updateSeizure"]["version"] == 6
    await app.gql(SUBMIT, {"id": seizure_id, "v": 6}, token=who["officer"])
    validated = await app.gql(VALIDATE, {"id": seizure_id, "v": 7}, token=who["validator"])
    assert validated["data"]["validateSeizure"] == {"status": "VALIDATED", "version": 8}

    # In search and in the gallery.
    await app.instance.outbox.settle()
    found = await app.gql(
        '{ search(query: "CSQU3054383") { edges { node { ... on Seizure { reference } } } } }',
        token=who["analyst"],
    )
    assert [e["node"]["reference"] for e in found["data"]["search"]["edges"]] == [
        created["reference"]
    ]
    gallery = await app.gql(
        '{ concealmentGallery(method: ["container_structure"]) { totalCount edges { node { '
        "photo { id url thumbnailUrl } seizure { reference } } } } }",
        token=who["analyst"],
    )
    item = gallery["data"]["concealmentGallery"]["edges"][0]["node"]
    assert item["photo"]["id"] == photo_id and item["seizure"]["reference"] == created["reference"]
    fetched = await app.client.get(
        item["photo"]["url"], headers={"authorization": f"Bearer {who['analyst']}"}
    )
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/jpeg"

    # Now visible to everyone with seizures.view.
    assert (await app.gql(GET, {"id": seizure_id}, token=who["officer2"]))["data"]["seizure"]

    async with app.instance.db.session() as session:
        case_id = await session.scalar(select(Case.id))
        events = (
            await session.execute(
                select(
                    AuditEvent.action, AuditEvent.actor_name, AuditEvent.detail, AuditEvent.fields
                )
                .where(AuditEvent.entity_type == "Seizure", AuditEvent.entity_id == str(case_id))
                .where(AuditEvent.action != "record.view")  # consultations: test_consultation_audit
                .order_by(AuditEvent.seq)
            )
        ).all()
    steps = [(e.action, e.actor_name, (e.detail or {}).get("to")) for e in events]
    assert steps == [
        ("record.create", "officer1", None),
        ("record.update", "officer1", None),
        ("record.update", "officer1", None),
        ("record.status", "officer1", "submitted"),
        ("record.status", "validator1", "returned"),
        ("record.update", "officer1", None),
        ("record.status", "officer1", "submitted"),
        ("record.status", "validator1", "validated"),
    ]
    assert events[4].detail["comment"] == "add the seal number"
    assert "concealment_photos" in events[2].fields

    history = await app.gql(
        "query($id: ID!) { seizure(id: $id) { history { actor action toStatus comment at } } }",
        {"id": seizure_id},
        token=who["analyst"],
    )
    shown = [
        (h["actor"], h["action"], h["toStatus"]) for h in history["data"]["seizure"]["history"]
    ]
    assert shown == [(actor, action, to) for action, actor, to in steps]
    assert history["data"]["seizure"]["history"][4]["comment"] == "add the seal number"


async def test_validator_cannot_validate_their_own_seizure(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    seizure = (await app.gql(CREATE, {"input": simplified_input()}, token=who["validator"]))[
        "data"
    ]["createSeizure"]
    await app.gql(SUBMIT, {"id": seizure["id"], "v": 1}, token=who["validator"])
    body = await app.gql(
        VALIDATE, {"id": seizure["id"], "v": 2}, token=who["validator"], expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_stale_update_is_a_conflict_and_changes_nothing(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    seizure = (await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    first = {"id": seizure["id"], "version": 1, "input": {"narrative": "first"}}
    await app.gql(UPDATE, first, token=who["officer"])
    stale = {"id": seizure["id"], "version": 1, "input": {"narrative": "second"}}
    body = await app.gql(UPDATE, stale, token=who["officer"], expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert body["errors"][0]["extensions"]["current_version"] == 2
    async with app.instance.db.session() as session:
        assert await session.scalar(select(Case.narrative)) == "first"


async def test_editing_a_validated_seizure_needs_a_reason_and_resubmits(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    s = (await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT, {"id": s["id"], "v": 1}, token=who["officer"])
    await app.gql(VALIDATE, {"id": s["id"], "v": 2}, token=who["validator"])
    change = {"id": s["id"], "version": 3, "input": {"detectionMethod": "detector_dog"}}
    refused = await app.gql(UPDATE, change, token=who["officer"], expect_errors=True)
    assert refused["errors"][0]["extensions"] == {"code": "REQUIRED", "field": "reason"}
    done = await app.gql(UPDATE, {**change, "reason": "dog found it first"}, token=who["officer"])
    assert done["data"]["updateSeizure"]["status"] == "SUBMITTED"


async def test_analyst_reads_but_cannot_write_and_admin_sees_nothing(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    denied = await app.gql(
        CREATE, {"input": simplified_input()}, token=who["analyst"], expect_errors=True
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listing = await app.gql("{ seizures { totalCount } }", token=who["admin"], expect_errors=True)
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
