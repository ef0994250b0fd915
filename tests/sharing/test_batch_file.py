"""`ncen sharing batch-file`: the payloads of validated seizures as XLSX or zipped CSV, for
administrations that upload to the CEN web application by hand."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.cli import cli
from core.sharing.batch import tables
from tests.seizures.helpers import CREATE, simplified_input
from tests.sharing.helpers import CHECK_TEXT, sharing_app, tokens, validated_seizure

NAME = "Bartholomew Nakamura-Lindqvist"


def environment(app) -> dict[str, str]:
    config = app.instance.config
    return {
        "NCEN_DATA_DIR": str(config.data_dir),
        "NCEN_DATABASE_URL": config.database_url,
        "NCEN_MODULES": ",".join(config.modules),
        "NCEN_COUNTRY": config.country,
    }


async def ncen(app, *args: str):
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["sharing", *args], env=environment(app), obj={}
    )
    assert result.exit_code == 0, result.output
    return result


async def test_batch_files_hold_the_validated_seizures_without_nominal_data(make_app, tmp_path):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who, narrative=f"{NAME} was stopped.")
    await validated_seizure(app, who, offenceType="smuggling")
    await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"])  # a draft
    await app.gql(
        CHECK_TEXT,
        {"id": sid, "path": "narrative", "text": '=HYPERLINK("x")'},
        token=who["validator"],
    )

    xlsx, zipped = tmp_path / "cen.xlsx", tmp_path / "cen.zip"
    assert "wrote 2 record(s)" in (await ncen(app, "batch-file", str(xlsx))).output
    await ncen(app, "batch-file", str(zipped), "--format", "csv")

    book = load_workbook(xlsx)
    assert set(book.sheetnames) >= {"Seizure", "Seizure.goods", "Seizure.route"}
    rows = list(book["Seizure"].values)
    header = rows[0]
    assert len(rows) == 3 and "area" in header and "narrative" in header
    assert all(row[header.index("area")] == "drugs" for row in rows[1:])
    narrative = [
        row[header.index("narrative")] for row in rows[1:] if row[header.index("narrative")]
    ]
    assert narrative == ['=HYPERLINK("x")']
    column = header.index("narrative") + 1
    kinds = {book["Seizure"].cell(row=r, column=column).data_type for r in (2, 3)}
    assert "f" not in kinds  # kept as text, never a formula

    with zipfile.ZipFile(zipped) as archive:
        names = set(archive.namelist())
        seizures = list(csv.reader(io.StringIO(archive.read("Seizure.csv").decode())))
        everything = b"".join(archive.read(n) for n in names)
    assert {"Seizure.csv", "Seizure.goods.csv"} <= names
    assert len(seizures) == 3
    assert "'=HYPERLINK" in everything.decode()
    assert NAME.encode() not in everything

    async with app.instance.db.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sharing.batch_file")
            )
        )
    assert [e.detail["records"] for e in events] == [2, 2]


async def test_preview_and_schema_commands(make_app):
    app = await sharing_app(make_app, mode="off")
    who = await tokens(app)
    sid, _ = await validated_seizure(app, who, narrative=f"{NAME} was stopped.")
    from strawberry import relay

    number = relay.GlobalID.from_id(sid).node_id
    printed = json.loads((await ncen(app, "preview", "Seizure", number)).output)
    assert printed["record"]["id"] == number and NAME not in json.dumps(printed)
    schema = json.loads((await ncen(app, "schema")).output)
    assert schema["properties"]["schemaVersion"] == {"const": 1}


def test_tables_flatten_children_and_extensions():
    payload = {
        "schemaVersion": 1,
        "kind": "submission",
        "sender": {"country": "NL"},
        "record": {"type": "Seizure", "id": "4", "version": 2},
        "data": {"area": "drugs", "goods": [{"commodity": "heroin"}], "extensions": {"r": "N"}},
    }
    found = tables([payload])
    assert found["Seizure"] == (
        ["recordId", "version", "kind", "senderCountry", "area", "extensions.r"],
        [["4", 2, "submission", "NL", "drugs", "N"]],
    )
    assert found["Seizure.goods"] == (["recordId", "index", "commodity"], [["4", 0, "heroin"]])
