"""Uploading a CSV or XLSX file of entries to a watch list: every bad row is reported with its
row, column, field and code, and nothing is added; a good file adds every row in one go and
screens the records already there; permissions are checked before the file is read."""

from __future__ import annotations

import base64
import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.testing import login_as
from tests.intelligence.helpers import WATCH_LISTS, alerts, intelligence_app, screened, watch_list
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input

BAD = (
    "Kind;Names;Birth_Date;Identifiers;Valid_Until\n"
    "person;Ivan Petrov;1971-05;document:K1234567;\n"
    "conveyance;;;container:CSQU3054384;\n"  # wrong check digit
    "person;Olga;1980-13;;\n"  # no such month
    "vessel;Ocean Pioneer;;;\n"  # no such kind
    "company;Havre SARL;;company;2027-02-30\n"  # no value; no such day
)
GOOD = (
    "kind,names,nationalities,identifiers,terms\n"
    "person,Ivan Petrov | Vanya Petrov,RU,document:K1234567,\n"
    "conveyance,,,plate:UP-LOAD-1,\n"
    "term,,,,refrigeration unit\n"
)


def _url(list_id: str) -> str:
    return f"/modules/intelligence/watch-lists/{list_id}/entries"


async def _upload(
    app: Any, token: str, list_id: str, name: str, content: bytes, **params: str
) -> Any:
    return await app.client.post(
        _url(list_id),
        params=params,
        files={"file": (name, content)},
        headers={"authorization": f"Bearer {token}"},
    )


async def _entry_count(app: Any, token: str) -> int:
    lists = (await app.gql(WATCH_LISTS, token=token))["data"]["watchLists"]
    return sum(w["entryCount"] for w in lists)


async def test_a_file_with_bad_rows_adds_nothing_and_names_every_row(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    list_id = await watch_list(app, analyst)
    response = await _upload(app, analyst, list_id, "entries.csv", BAD.encode())
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["rows"], body["errorCount"], body["added"]) == (5, 4, 0)
    found = [
        (e["extensions"]["row"], e["extensions"]["column"], e["extensions"]["field"])
        for e in body["errors"]
    ]
    assert found == [
        (3, "Identifiers", "identifiers[0].value"),
        (4, "Birth_Date", "birthDate"),
        (5, "Kind", "kind"),
        (6, "Identifiers", "identifiers"),
    ]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INVALID_INPUT"}
    assert "check digit" in body["errors"][0]["message"]
    assert await _entry_count(app, analyst) == 0

    # The same file fixed but for one date: the date is reported with its column.
    fixed = [*BAD.splitlines()[:2], "company;Havre SARL;;company:FR40303265045;2027-02-30"]
    response = await _upload(app, analyst, list_id, "entries.csv", "\n".join(fixed).encode())
    [error] = response.json()["errors"]
    assert (error["extensions"]["row"], error["extensions"]["column"]) == (3, "Valid_Until")
    assert await _entry_count(app, analyst) == 0


async def test_a_good_file_adds_every_row_and_screens_existing_records(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    officer = await login_as(app, "officer1", "officer")
    data = simplified_input(conveyance={"transportMode": "3", "identifier": "UP-LOAD-1"})
    seizure = (await app.gql(CREATE_SEIZURE, {"input": data}, token=officer))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT_SEIZURE, {"id": seizure["id"], "v": seizure["version"]}, token=officer)
    await screened(app)
    list_id = await watch_list(app, analyst)

    dry = await _upload(app, analyst, list_id, "entries.csv", GOOD.encode(), dryRun="true")
    assert dry.status_code == 200 and dry.json()["added"] == 0 and dry.json()["rows"] == 3
    assert await _entry_count(app, analyst) == 0

    response = await _upload(app, analyst, list_id, "entries.csv", GOOD.encode())
    assert response.status_code == 200, response.text
    assert response.json() == {"watchList": list_id, "rows": 3, "added": 3, "dryRun": False}
    assert await _entry_count(app, analyst) == 3
    await screened(app)
    [alert] = await alerts(app, analyst)
    assert alert["recordId"] == seizure["id"] and alert["action"] == "entry_added"

    book = Workbook()
    sheet = book.active
    sheet.append(["kind", "names", "identifiers", "valid_until"])
    sheet.append(["company", "Havre Import Export SARL", "company:FR40303265045", "2027-12-31"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = await _upload(app, analyst, list_id, "companies.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1
    async with app.instance.db.session() as session:
        details = list(
            await session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.action == "intelligence.watch_list.entries_added"
                )
            )
        )
    assert [d["source"] for d in details] == ["csv", "xlsx"]


async def test_uploads_are_refused_before_reading_to_whoever_may_not_add(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    owner = await login_as(app, "analyst1", "analyst")
    colleague = await login_as(app, "analyst2", "analyst")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, owner)
    content = GOOD.encode()
    assert (await _upload(app, colleague, list_id, "e.csv", content)).status_code == 404
    assert (await _upload(app, officer, list_id, "e.csv", content)).status_code == 403
    anonymous = await app.client.post(_url(list_id), files={"file": ("e.csv", content)})
    assert anonymous.status_code == 401
    assert (await _upload(app, owner, "bm90LWEtbGlzdA", "e.csv", content)).status_code == 404
    odd = await _upload(app, owner, list_id, "e.txt", content)
    assert odd.status_code == 400 and odd.json()["errors"][0]["extensions"]["field"] == "format"
    not_a_table = await _upload(app, owner, list_id, "e.xlsx", b"not a workbook")
    assert not_a_table.json()["errors"][0]["extensions"]["code"] == "INVALID_FILE"
    wrong_columns = await _upload(app, owner, list_id, "e.csv", b"name,plate\nx,y\n")
    assert wrong_columns.status_code == 400
    assert "kind required" in wrong_columns.json()["errors"][0]["message"]
    assert await _entry_count(app, owner) == 0


IMPORT = """mutation($list: ID!, $format: EntryFileFormat!, $content: String!, $dry: Boolean) {
  importWatchListEntries(watchList: $list, format: $format, content: $content, dryRun: $dry) {
    watchList rows added dryRun errorCount errors { row column field code message } } }"""


async def test_graphql_takes_a_file_as_base64_with_the_same_rules(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    colleague = await login_as(app, "analyst2", "analyst")
    list_id = await watch_list(app, analyst)

    def variables(text: str, **extra: Any) -> dict[str, Any]:
        content = base64.b64encode(text.encode()).decode()
        return {"list": list_id, "format": "CSV", "content": content, **extra}

    body = await app.gql(IMPORT, variables(BAD), token=analyst)
    result = body["data"]["importWatchListEntries"]
    assert (result["rows"], result["added"], result["errorCount"]) == (5, 0, 4)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (3, "identifiers[0].value"),
        (4, "birthDate"),
        (5, "kind"),
        (6, "identifiers"),
    ]
    assert await _entry_count(app, analyst) == 0
    body = await app.gql(IMPORT, variables(GOOD), token=analyst)
    assert body["data"]["importWatchListEntries"]["added"] == 3
    assert await _entry_count(app, analyst) == 3

    refused = await app.gql(IMPORT, variables(GOOD), token=colleague, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = await app.gql(
        IMPORT, variables(GOOD) | {"content": "%%%"}, token=analyst, expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["field"] == "content"
    refused = await app.gql(
        IMPORT, variables(GOOD) | {"format": "XLSX"}, token=analyst, expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_FILE"
    assert await _entry_count(app, analyst) == 3
