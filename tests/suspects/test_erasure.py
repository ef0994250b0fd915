"""Acceptance: erasure leaves no trace of the person's content in the database, the search index
or the attachment store; the audit chain still verifies; one content-free event remains."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import inspect, select, text

from core.audit.models import AuditEvent
from core.audit.verify import verify_chain
from core.codelists.sync import sync_code_lists
from core.testing import login_as
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import (
    CREATE,
    ERASE,
    GET,
    LINK,
    RETURN,
    SUBMIT,
    VALIDATE,
    gql,
    node_id,
    person_input,
)

CANARIES = (
    "Qwertyzanov",
    "Canarybel",
    "CANARY998877",
    "canary-assessment",
    "Canalias",
    "canary-return-comment",
    "canary@example.org",
    "Canaryburg",
    "+31611223344",
)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(out, format="JPEG")
    return out.getvalue()


async def _dump_database(app) -> str:
    """Every row of every table, as text."""
    async with app.instance.db.session() as session:
        tables = await session.run_sync(lambda s: inspect(s.connection()).get_table_names())
        parts = []
        for table in tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()
            parts.append(f"{table}: {rows!r}")
    return "\n".join(parts)


def _files_text(directory: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())


async def test_erasure_leaves_only_a_content_free_audit_event(make_app):
    app = await make_app(modules=["seizures", "suspects"])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    validator = await login_as(app, "validator1", "validator")
    upload = await app.client.post(
        "/attachments",
        files={"file": ("qwertyzanov.jpg", _jpeg(), "image/jpeg")},
        headers={"authorization": f"Bearer {officer}"},
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()

    data = person_input(
        familyName="Qwertyzanov",
        givenNames="Canarybel",
        aliases=["Canalias Qwerty"],
        documents=[{"type": "passport", "number": "CANARY998877", "issuingCountry": "NL"}],
        assessment="canary-assessment: frequent traveller",
        email="canary@example.org",
        birthPlace="Canaryburg",
        phones=["+31 6 1122 3344"],
        photos=[photo["id"]],
    )
    person = (await gql(app, CREATE, {"input": data}, token=officer))["data"]["createPerson"]
    pid = person["id"]
    await gql(app, SUBMIT, {"id": pid, "v": 1}, token=officer)
    await gql(app, RETURN, {"id": pid, "v": 2, "c": "canary-return-comment"}, token=validator)
    await gql(app, SUBMIT, {"id": pid, "v": 3}, token=officer)
    await gql(app, VALIDATE, {"id": pid, "v": 4}, token=validator)
    seizure = (await gql(app, CREATE_SEIZURE, {"input": simplified_input()}, token=officer))[
        "data"
    ]["createSeizure"]
    await gql(app, LINK, {"s": seizure["id"], "r": "courier", "t": pid}, token=officer)
    await gql(app, GET, {"id": pid}, token=validator, purpose="investigation 12")
    await app.instance.outbox.settle()
    hits = await gql(app, '{ search(query: "qwertyzanov") { totalCount } }', token=validator)
    assert hits["data"]["search"]["totalCount"] == 1
    # Files under the data dir on SQLite, chunks in the database on PostgreSQL.
    content = app.instance.attachments.content
    assert await content.has(photo["sha256"])

    early = await gql(
        app, ERASE, {"id": pid, "g": "RETENTION_ENDED"}, token=validator, expect_errors=True
    )
    assert early["errors"][0]["extensions"]["code"] == "CONFLICT"  # review date not reached
    denied = await gql(
        app, ERASE, {"id": pid, "g": "DATA_SUBJECT_REQUEST"}, token=officer, expect_errors=True
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    erased = await gql(app, ERASE, {"id": pid, "g": "DATA_SUBJECT_REQUEST"}, token=validator)
    assert erased["data"]["erasePerson"] == {"id": pid, "entityType": "Person"}
    await app.instance.outbox.settle()

    dump = await _dump_database(app)
    for canary in CANARIES:
        assert canary.lower() not in dump.lower(), canary
    assert (await gql(app, GET, {"id": pid}, token=validator))["data"]["person"] is None
    hits = await gql(
        app, '{ search(query: "qwertyzanov OR CANARY998877") { totalCount } }', token=validator
    )
    assert hits["data"]["search"]["totalCount"] == 0
    assert not await content.has(photo["sha256"])
    assert await content.open(photo["sha256"], thumbnail=True) is None

    async with app.instance.db.session() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "Person", AuditEvent.entity_id == node_id(pid)
                )
            )
        ).all()
    erase = [e for e in events if e.action == "record.erase"]
    assert len(erase) == 1 and erase[0].detail == {
        "ground": "data_subject_request",
        "links": 1,
        "photos": 1,
    }
    report = await verify_chain(app.instance.db)
    assert report.ok, report.reason

    # Whoosh only marks deleted documents, and their stored fields and terms stay in the segment
    # files until a merge rewrites them: an erasure makes the search writer merge at once.
    index = _files_text(app.instance.config.search_dir).lower()
    left = [c for c in CANARIES[:5] if c.lower().encode() in index]
    assert not left, f"erased content still in the search index files: {left}"
