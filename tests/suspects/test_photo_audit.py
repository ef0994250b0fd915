"""A photo of a person is personal data: each download is audited like a read of the person,
before the file is served; refused downloads write nothing; seizure photos are not audited."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.audit.verify import verify_chain
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import (
    CREATE,
    SUBMIT,
    gql,
    node_id,
    person_input,
    suspects_app,
    tokens,
    views,
)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(out, format="JPEG")
    return out.getvalue()


async def _upload(app, token: str) -> dict:
    response = await app.client.post(
        "/attachments",
        files={"file": ("face.jpg", _jpeg(), "image/jpeg")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _get(app, url: str, token: str, purpose: str | None = None):
    headers = {"authorization": f"Bearer {token}"}
    if purpose:
        headers["ncen-purpose"] = purpose
    return await app.client.get(url, headers=headers)


async def test_person_photo_downloads_are_audited(make_app):
    app = await suspects_app(make_app, ["seizures", "suspects"])
    who = await tokens(app)
    photo = await _upload(app, who["officer"])
    created = await gql(
        app, CREATE, {"input": person_input(photos=[photo["id"]])}, token=who["officer"]
    )
    pid = created["data"]["createPerson"]["id"]
    person_id = node_id(pid)

    # A draft is its author's: another officer gets "not there", and nothing is written.
    assert (await _get(app, photo["url"], who["officer2"])).status_code == 404
    assert await views(app, person_id) == []

    await gql(app, SUBMIT, {"id": pid, "v": 1}, token=who["officer"])
    image = await _get(app, photo["url"], who["validator"], purpose="case 2026/17")
    thumb = await _get(app, photo["thumbnailUrl"], who["validator"])
    assert image.status_code == 200 and thumb.status_code == 200

    events = await views(app, person_id)
    assert [(e.fields, e.purpose, e.detail) for e in events] == [
        (["photo"], "case 2026/17", {"attachment": photo["id"], "thumbnail": False}),
        (["photo"], None, {"attachment": photo["id"], "thumbnail": True}),
    ]
    assert all(e.actor_name == "validator1" for e in events)
    report = await verify_chain(app.instance.db)
    assert report.ok, report.reason


async def test_seizure_photo_downloads_are_not_audited(make_app):
    app = await suspects_app(make_app, ["seizures", "suspects"])
    who = await tokens(app)
    photo = await _upload(app, who["officer"])
    data = simplified_input()
    data["concealment"] = {**data.get("concealment", {}), "photos": [photo["id"]]}
    created = await gql(app, CREATE_SEIZURE, {"input": data}, token=who["officer"])
    assert created["data"]["createSeizure"]["id"]
    before = await _events(app)
    # Served to a validator: attached to the seizure (an unattached upload is its uploader's).
    assert (await _get(app, photo["url"], who["validator"])).status_code == 200
    assert await _events(app) == before


async def _events(app) -> int:
    async with app.instance.db.session() as session:
        return len((await session.scalars(select(AuditEvent.seq))).all())
