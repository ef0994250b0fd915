"""Statistics for charts and bulk upserts with idempotency keys, through GraphQL."""

from __future__ import annotations

from sqlalchemy import func, select

from plugins.seizures.models import Case
from tests.seizures.helpers import (
    CREATE,
    SUBMIT,
    VALIDATE,
    seizures_app,
    simplified_input,
    tokens,
)

STATS = """query($g: [String!], $m: StatisticsMeasure, $f: JSON, $all: Boolean!) {
  statistics(module: "seizures", groupBy: $g, measure: $m, filter: $f,
             includeUnvalidated: $all) { groupBy buckets { keys value } total } }"""

BULK = """mutation($records: [BulkRecordInput!]!, $key: String) {
  bulkUpsert(module: "seizures", system: "national", records: $records, idempotencyKey: $key) {
    replayed results { key status id errors { field code message } } } }"""


async def _validated(app, who, **overrides):
    created = await app.gql(CREATE, {"input": simplified_input(**overrides)}, token=who["officer"])
    seizure = created["data"]["createSeizure"]
    await app.gql(SUBMIT, {"id": seizure["id"], "v": 1}, token=who["officer"])
    await app.gql(VALIDATE, {"id": seizure["id"], "v": 2}, token=who["validator"])


async def test_statistics_by_month_and_area_with_units(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    await _validated(app, who)  # 12.5 KGM cocaine, March
    await _validated(
        app,
        who,
        seizureDate="2026-04-02",
        goods=[{"commodity": "cocaine", "quantity": "500", "unit": "GRM"}],
    )
    await _validated(
        app,
        who,
        seizureDate="2026-04-03",
        area="tobacco",
        goods=[{"commodity": "cigarettes", "quantity": "2", "unit": "MIL"}],
    )
    await app.gql(CREATE, {"input": simplified_input()}, token=who["officer"])  # a draft

    def ask(group, measure="RECORDS", f=None, everything=False, user="analyst"):
        variables = {"g": group, "m": measure, "f": f, "all": everything}
        return app.gql(STATS, variables, token=who[user])

    by_month = (await ask(["month", "area"]))["data"]["statistics"]
    assert by_month["buckets"] == [
        {"keys": ["2026-03", "drugs"], "value": 1.0},
        {"keys": ["2026-04", "drugs"], "value": 1.0},
        {"keys": ["2026-04", "tobacco"], "value": 1.0},
    ]
    # Drafts are counted only for those who may see them (their author, validators).
    assert (await ask([], everything=True))["data"]["statistics"]["total"] == 3.0
    everything = await ask([], everything=True, user="validator")
    assert everything["data"]["statistics"]["total"] == 4.0
    mass = (await ask(["quarter"], "MASS_KG"))["data"]["statistics"]["buckets"]
    assert mass == [{"keys": ["2026-Q1"], "value": 12.5}, {"keys": ["2026-Q2"], "value": 0.5}]
    pieces = (await ask(["commodity"], "PIECES"))["data"]["statistics"]["buckets"]
    assert pieces == [{"keys": ["cigarettes"], "value": 2000.0}]
    filtered = (await ask(["year"], f={"area": ["tobacco"]}))["data"]["statistics"]
    assert filtered["buckets"] == [{"keys": ["2026"], "value": 1.0}]

    refused = await app.gql(
        STATS,
        {"g": ["colour"], "m": "RECORDS", "all": False},
        token=who["analyst"],
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["field"] == "groupBy"
    anonymous = await app.gql(STATS, {"g": [], "m": "RECORDS", "all": False}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bulk_upsert_reports_each_record_and_replays_with_the_same_key(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    records = [
        {"key": "N-1", "input": simplified_input()},
        {"key": "N-2", "input": simplified_input(area="nonsense")},
    ]
    first = (await app.gql(BULK, {"records": records, "key": "k-1"}, token=who["officer"]))["data"][
        "bulkUpsert"
    ]
    assert first["replayed"] is False
    ok, bad = first["results"]
    assert ok["status"] == "CREATED" and ok["id"]
    assert bad["status"] == "INVALID" and bad["errors"][0]["field"] == "area"

    again = (await app.gql(BULK, {"records": records, "key": "k-1"}, token=who["officer"]))["data"][
        "bulkUpsert"
    ]
    assert again["replayed"] is True and again["results"] == first["results"]
    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1

    other = await app.gql(
        BULK, {"records": records[:1], "key": "k-1"}, token=who["officer"], expect_errors=True
    )
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_MISMATCH"

    # Without a key, the same record again updates (nothing changed) instead of duplicating.
    third = (await app.gql(BULK, {"records": records[:1]}, token=who["officer"]))["data"]
    assert third["bulkUpsert"]["results"][0]["status"] == "UNCHANGED"
    assert third["bulkUpsert"]["results"][0]["id"] == ok["id"]
