"""Exports as authenticated downloads and imports as uploaded jobs, over HTTP."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.exchange.jobs import wait_for_jobs
from tests.exchange.test_import_export import EXAMPLES
from tests.seizures.helpers import CREATE, seizures_app, simplified_input, tokens

JOB = """query($id: Int!) { importJob(id: $id) {
  status dryRun rows created errors reportUrl } }"""


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_export_download_streams_csv_jsonl_xlsx_and_is_audited(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    for _ in range(3):
        await app.gql(CREATE, {"input": simplified_input(narrative="CANARY")}, token=who["officer"])

    anonymous = await app.client.get("/exports/seizures")
    assert anonymous.status_code == 401

    response = await app.client.get("/exports/seizures?format=csv", headers=_auth(who["officer"]))
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3 and "narrative" not in rows[0] and "CANARY" not in response.text

    lines = await app.client.get(
        "/exports/seizures",
        params={"format": "jsonl", "filter": json.dumps({"area": ["tobacco"]})},
        headers=_auth(who["officer"]),
    )
    assert lines.status_code == 200 and lines.text == ""

    sheet = await app.client.get("/exports/seizures?format=xlsx", headers=_auth(who["officer"]))
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == 4

    bad = await app.client.get(
        "/exports/seizures", params={"filter": '{"colour": 1}'}, headers=_auth(who["officer"])
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["field"].startswith(
        "filter"
    )
    async with app.instance.db.session() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.export"))
        ).all()
    assert [(e.detail["format"], e.detail["rows"], e.detail["nominal"]) for e in events] == [
        ("csv", 3, False),
        ("jsonl", 0, False),
        ("xlsx", 3, False),
    ]


async def test_uploaded_import_job_and_its_report(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    mapping = (EXAMPLES / "seizures-mapping.toml").read_text()
    import tomllib

    as_json = json.dumps(tomllib.loads(mapping))
    content = (EXAMPLES / "seizures-register.csv").read_bytes()
    bad = content + b"R-2026-004,99/99/2026,NL,,drugs,XR,COC,1,,CO,\n"

    refused = await app.client.post(
        "/imports/seizures",
        params={"format": "csv", "mapping": as_json},
        files={"file": ("register.csv", bad)},
        headers=_auth(who["officer"]),
    )
    assert refused.status_code == 202, refused.text
    await wait_for_jobs(app.instance)
    job = (await app.gql(JOB, {"id": refused.json()["id"]}, token=who["officer"]))["data"]
    assert job["importJob"]["status"] == "refused" and job["importJob"]["errors"] == 1
    report = await app.client.get(job["importJob"]["reportUrl"], headers=_auth(who["officer"]))
    assert report.status_code == 200
    [line] = list(csv.DictReader(io.StringIO(report.text)))
    assert (line["row"], line["column"], line["code"]) == ("5", "Date", "INVALID_FORMAT")
    # Somebody else's job is not theirs to see.
    other = await app.gql(JOB, {"id": refused.json()["id"]}, token=who["officer2"])
    assert other["data"]["importJob"] is None

    done = await app.client.post(
        "/imports/seizures",
        params={"format": "csv", "mapping": as_json},
        files={"file": ("register.csv", content)},
        headers=_auth(who["officer"]),
    )
    await wait_for_jobs(app.instance)
    job = (await app.gql(JOB, {"id": done.json()["id"]}, token=who["officer"]))["data"]
    assert (job["importJob"]["status"], job["importJob"]["created"]) == ("done", 3)

    analyst = await app.client.post(
        "/imports/seizures",
        files={"file": ("register.csv", content)},
        headers=_auth(who["analyst"]),
    )
    assert analyst.status_code == 403
    from plugins.seizures.models import Case

    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 3
