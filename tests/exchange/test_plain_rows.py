"""Batches (imports, bulk upserts) build new records as plain rows and insert them with Core
statements; a GraphQL create goes through the ORM. Both must write the same rows, the same
audit event and the same outbox rows, for every module."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.codelists.sync import sync_code_lists
from core.outbox import OutboxRow
from core.records.registry import record_registry
from core.testing import login_as
from tests.companies.helpers import company_input
from tests.seizures.helpers import completion, simplified_input
from tests.suspects.helpers import person_input

BULK = """mutation($m: String!, $records: [BulkRecordInput!]!) {
  bulkUpsert(module: $m, system: "national", records: $records) {
    results { status id errors { field code message } } } }"""
SKIPPED = {"id", "reference", "created_at", "updated_at", "name_key"}


def _seizure() -> dict[str, Any]:
    data = simplified_input()
    data.update(completion())
    data["riskIndicators"] = ["route_risk", "cash_payment"]
    data["route"] = [{"role": "origin", "country": "CO"}, {"role": "destination", "country": "NL"}]
    data["offenders"] = [
        {"count": 2, "nationality": "NL", "gender": "male", "ageBand": "26-35", "role": "courier"}
    ]
    return data


CASES = [
    ("seizures", "Seizure", "createSeizure", "SeizureInput", _seizure),
    ("companies", "Company", "createCompany", "CompanyInput", company_input),
    ("suspects", "Person", "createPerson", "PersonInput", person_input),
]


def _content(record: Any, rt: Any) -> dict[str, Any]:
    """Every column of the row and of its child rows, but ids, keys and timestamps."""
    table = type(record).__table__
    values = {c.key: getattr(record, c.key) for c in table.columns if c.key not in SKIPPED}
    for name in rt.collections:
        rows = []
        for child in getattr(record, name):
            columns = type(child).__table__.columns
            rows.append(
                {
                    c.key: getattr(child, c.key)
                    for c in columns
                    if c.key not in SKIPPED and not c.foreign_keys
                }
            )
        values[name] = rows
    return values


@pytest.mark.parametrize(("module", "name", "mutation", "input_type", "make"), CASES)
async def test_a_batch_writes_what_a_graphql_create_writes(
    make_app, module, name, mutation, input_type, make
):
    app = await make_app(modules=[module])
    await sync_code_lists(app.instance)
    token = await login_as(app, "clerk", "officer")
    create = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id }} }}"
    one = await app.gql(create, {"input": make()}, token=token)
    assert "errors" not in one, one
    batch = await app.gql(
        BULK, {"m": module, "records": [{"key": "K-1", "input": make()}]}, token=token
    )
    [result] = batch["data"]["bulkUpsert"]["results"]
    assert result["status"] == "CREATED", result

    rt = record_registry(app.instance).by_name[name]
    async with app.instance.db.session() as session:
        orm, plain = (await session.scalars(rt.load(select(rt.model).order_by(rt.model.id)))).all()
        assert _content(plain, rt) == _content(orm, rt)
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "record.create")
                .order_by(AuditEvent.seq)
            )
        ).all()
        orm_event, plain_event = events
        assert orm_event.fields == plain_event.fields
        assert (orm_event.detail or {}).keys() == (plain_event.detail or {}).keys()
        assert [e.entity_id for e in events] == [str(orm.id), str(plain.id)]
        outbox = (await session.scalars(select(OutboxRow))).all()

    def topics(record_id: int) -> list[tuple[str, str]]:
        return sorted(
            (row.topic, row.handler)
            for row in outbox
            if str(row.payload.get("entity_id", row.payload.get("id"))) == str(record_id)
        )

    assert topics(orm.id) and topics(orm.id) == topics(plain.id)


@pytest.mark.parametrize(("module", "name", "mutation", "input_type", "make"), CASES)
async def test_an_import_writes_what_a_graphql_create_writes(
    make_app, tmp_path, module, name, mutation, input_type, make
):
    """The import's way: checked rows spooled to disk as plain data between its passes."""
    from core.auth.models import RolePermission
    from core.exchange.cli import user_principal
    from core.exchange.exporter import Exporter
    from core.exchange.importer import Importer
    from core.exchange.registry import exchange_type
    from core.exchange.writers import open_writer

    app = await make_app(modules=[module])
    await sync_code_lists(app.instance)
    token = await login_as(app, "clerk", "officer", "analyst")
    async with app.instance.db.transaction() as session:
        session.add(RolePermission(role="officer", permission=f"{module}.export"))
    create = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id }} }}"
    one = await app.gql(create, {"input": make()}, token=token)
    assert "errors" not in one, one
    clerk = await user_principal(app.instance, "clerk")
    xt = exchange_type(app.instance, module)
    exporter = Exporter(app.instance, clerk, xt)
    writer, handle = open_writer("csv", tmp_path / "one.csv", exporter.header)
    async for row in exporter.rows():
        writer.write(row)
    handle.close()
    done = await Importer(app.instance, clerk, xt).run(tmp_path / "one.csv", "csv", dry_run=False)
    assert (done.status, done.created) == ("done", 1), done.errors

    rt = record_registry(app.instance).by_name[name]
    async with app.instance.db.session() as session:
        orm, imported = (
            await session.scalars(rt.load(select(rt.model).order_by(rt.model.id)))
        ).all()
    assert _content(imported, rt) == _content(orm, rt)
