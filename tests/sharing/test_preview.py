"""`cenPreview`: the payload a seizure would be sent with. Free text travels only as a
validator checked it, photos only when checked as showing no person."""

from __future__ import annotations

import json

from strawberry import relay

from tests.attachment_helpers import image_bytes
from tests.seizures.helpers import CREATE, UPDATE, completion, simplified_input
from tests.sharing.helpers import CHECK_TEXT, PREVIEW, sharing_app, tokens, validated_seizure

NAME = "Mariana Inés Kowalczyk-Okafor"


async def preview(app, who, sid):
    return (await app.gql(PREVIEW, {"id": sid}, token=who["validator"]))["data"]["cenPreview"]


async def test_a_narrative_holding_a_name_is_not_in_the_preview(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, version = await validated_seizure(
        app,
        who,
        narrative=f"The driver, {NAME}, declared nothing.",
        internalNotes=f"{NAME} is known to us",
    )
    payload = await preview(app, who, sid)
    text = json.dumps(payload, ensure_ascii=False)
    assert NAME not in text and "Kowalczyk" not in text
    assert "narrative" not in payload["data"] and "internalNotes" not in payload["data"]
    assert "concealmentDescription" not in payload["data"]
    assert "description" not in payload["data"]["goods"][0]
    assert payload["record"] == {
        "type": "Seizure",
        "id": relay.GlobalID.from_id(sid).node_id,
        "version": version,
    }
    assert payload["schemaVersion"] == 1 and payload["kind"] == "submission"
    assert payload["data"]["area"] == "drugs"
    assert payload["data"]["goods"][0]["commodity"] == "cocaine"
    assert payload["data"]["route"][0] == {
        "role": "origin",
        "country": "CO",
        "place": None,
        "date": None,
    }


async def test_a_checked_version_travels_until_the_original_changes(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, version = await validated_seizure(app, who, narrative=f"{NAME} hid bricks in a wall.")
    checked = await app.gql(
        CHECK_TEXT,
        {"id": sid, "path": "narrative", "text": "The driver hid bricks in a wall."},
        token=who["validator"],
    )
    assert checked["data"]["checkFreeText"]["path"] == "narrative"
    await app.gql(
        CHECK_TEXT,
        {"id": sid, "path": "goods.0.description", "text": "taped bricks"},
        token=who["validator"],
    )
    payload = await preview(app, who, sid)
    assert payload["data"]["narrative"] == "The driver hid bricks in a wall."
    assert payload["data"]["goods"][0]["description"] == "taped bricks"

    # An officer edits the narrative: the check no longer holds for the new text.
    await app.gql(
        UPDATE,
        {
            "id": sid,
            "version": version,
            "input": {"narrative": f"{NAME} and her brother hid bricks."},
            "reason": "more detail",
        },
        token=who["officer"],
    )
    payload = await preview(app, who, sid)
    assert "narrative" not in payload["data"]
    assert payload["data"]["goods"][0]["description"] == "taped bricks"  # unchanged, still valid
    listed = await app.gql(
        "query($id: ID!) { freeTexts(id: $id) { path checkedText checkHolds } }",
        {"id": sid},
        token=who["validator"],
    )
    assert listed["data"]["freeTexts"] == [
        {"path": "concealmentDescription", "checkedText": None, "checkHolds": False},
        {
            "path": "narrative",
            "checkedText": "The driver hid bricks in a wall.",
            "checkHolds": False,
        },
        {"path": "goods.0.description", "checkedText": "taped bricks", "checkHolds": True},
    ]

    # Clearing a check removes it.
    cleared = await app.gql(
        CHECK_TEXT,
        {"id": sid, "path": "goods.0.description", "text": None},
        token=who["validator"],
    )
    assert cleared["data"]["checkFreeText"] is None
    assert "description" not in (await preview(app, who, sid))["data"]["goods"][0]


async def test_only_free_texts_can_be_checked_and_only_by_validators(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who)
    for path in ("internalNotes", "area", "goods.0.commodity", "goods.9.description"):
        body = await app.gql(
            CHECK_TEXT,
            {"id": sid, "path": path, "text": "x"},
            token=who["validator"],
            expect_errors=True,
        )
        assert body["errors"][0]["extensions"]["field"] == "path", path
    body = await app.gql(
        CHECK_TEXT,
        {"id": sid, "path": "narrative", "text": "x"},
        token=who["officer"],
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await app.gql(PREVIEW, {"id": sid}, token=who["analyst"], expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_photos_travel_only_when_checked_as_showing_no_person(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    ids = []
    for name in ("wall.png", f"{NAME}.png"):
        upload = await app.client.post(
            "/attachments",
            files={"file": (name, image_bytes("PNG"))},
            headers={"authorization": f"Bearer {who['officer']}"},
        )
        assert upload.status_code in (200, 201), upload.text
        ids.append(upload.json()["id"])
    data = simplified_input(**completion())
    data["concealment"] = {**data["concealment"], "photos": ids}
    created = await app.gql(CREATE, {"input": data}, token=who["officer"])
    sid = created["data"]["createSeizure"]["id"]

    assert (await preview(app, who, sid))["data"]["photos"] == []
    check = """mutation($p: ID!, $n: Boolean!) {
      checkPhoto(photoId: $p, showsNoPerson: $n) { photoId showsNoPerson } }"""
    await app.gql(check, {"p": ids[0], "n": True}, token=who["validator"])
    await app.gql(check, {"p": ids[1], "n": False}, token=who["validator"])
    payload = await preview(app, who, sid)
    assert [p["id"] for p in payload["data"]["photos"]] == [ids[0]]
    assert NAME not in json.dumps(payload, ensure_ascii=False)  # the file name stays home
    body = await app.gql(
        check, {"p": "nope", "n": True}, token=who["validator"], expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_offenders_travel_only_as_the_non_nominal_summary(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    offenders = [
        {"count": 2, "nationality": "CO", "gender": "male", "ageBand": "26-35", "role": "courier"}
    ]
    sid, _ = await validated_seizure(app, who, offenders=offenders)
    payload = await preview(app, who, sid)
    assert payload["data"]["offenders"] == offenders
