"""Matching across the databases: `matches(id)` for one record (from the blocking keys that
screening keeps), and `ncen xref` for a whole database, stored and listed by `xrefMatches`."""

from __future__ import annotations

from typing import Any

from core.testing import login_as
from plugins.intelligence.xref import xref
from tests.intelligence.helpers import intelligence_app, screened
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import CREATE as CREATE_PERSON
from tests.suspects.helpers import CREATE_CONVEYANCE, person_input

MATCHES = """query($id: ID!, $first: Int) { matches(id: $id, first: $first) {
  entityType module recordId score isMatch matchedFields
  explanation { feature queryValue candidateValue candidateField contribution }
  record { id entityType } } }"""
XREF_MATCHES = """query($filter: XrefMatchFilter) { xrefMatches(filter: $filter) {
  totalCount edges { node { module leftType leftId rightType rightId score
    explanation { feature } left { id } right { id } } } } }"""


async def test_matches_of_a_record_span_the_databases_and_are_explained(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    person = await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    twin_input = person_input(
        familyName="Al-Hassan", givenNames="Mohammed", nationalities=["JO"], documents=[]
    )
    twin = await app.gql(CREATE_PERSON, {"input": twin_input}, token=officer)
    stranger = person_input(
        familyName="Doravin", givenNames="Kelmaru", dateOfBirth="1970-01-01", documents=[]
    )
    await app.gql(CREATE_PERSON, {"input": stranger | {"phones": []}}, token=officer)
    vehicle = await app.gql(
        CREATE_CONVEYANCE,
        {"input": {"kind": "VEHICLE", "plate": "AB-123-CD", "country": "NL"}},
        token=officer,
    )
    road = simplified_input(conveyance={"transportMode": "3", "identifier": "AB 123 CD"})
    seizure = await app.gql(CREATE_SEIZURE, {"input": road}, token=officer)
    await screened(app)

    person_id = person["data"]["createPerson"]["id"]
    found = (await app.gql(MATCHES, {"id": person_id}, token=officer))["data"]["matches"]
    assert [m["recordId"] for m in found] == [twin["data"]["createPerson"]["id"]]
    [best] = found
    assert best["isMatch"] and best["module"] == "suspects"
    assert {f["feature"] for f in best["explanation"]} >= {"name", "birth_date", "nationality"}

    seizure_id = seizure["data"]["createSeizure"]["id"]
    found = (await app.gql(MATCHES, {"id": seizure_id}, token=officer))["data"]["matches"]
    [plate] = found
    assert plate["recordId"] == vehicle["data"]["createConveyance"]["id"]
    assert plate["entityType"] == "Vehicle" and plate["matchedFields"] == ["plate"]
    assert plate["explanation"][0]["feature"] == "identifier:plate"

    # An analyst does not see persons: no match reveals one, and the person is not there.
    analyst = await login_as(app, "analyst1", "analyst")
    version = seizure["data"]["createSeizure"]["version"]
    await app.gql(SUBMIT_SEIZURE, {"id": seizure_id, "v": version}, token=officer)
    found = (await app.gql(MATCHES, {"id": seizure_id}, token=analyst))["data"]["matches"]
    assert found == []  # the vehicle is a suspects record
    body = await app.gql(MATCHES, {"id": person_id}, token=analyst, expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}


async def test_xref_stores_the_matching_pairs_of_a_database(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    xrefer = await login_as(app, "xref1", "analyst", "validator")
    first = await app.gql(CREATE_PERSON, {"input": person_input()}, token=officer)
    second = await app.gql(
        CREATE_PERSON,
        {"input": person_input(familyName="Alhassan", phones=[], documents=[])},
        token=officer,
    )
    await app.gql(
        CREATE_PERSON,
        {
            "input": person_input(
                familyName="Doravin", givenNames="Kelmaru", documents=[], phones=[]
            )
        },
        token=officer,
    )
    report = await xref(app.instance, "suspects")
    assert (report.records, report.matches) == (3, 1)

    body = await app.gql(XREF_MATCHES, {"filter": {"module": "suspects"}}, token=xrefer)
    [pair] = [e["node"] for e in body["data"]["xrefMatches"]["edges"]]
    ids = {first["data"]["createPerson"]["id"], second["data"]["createPerson"]["id"]}
    assert {pair["leftId"], pair["rightId"]} == ids
    assert {pair["left"]["id"], pair["right"]["id"]} == ids
    assert "name" in {f["feature"] for f in pair["explanation"]}
    # Run again: the pairs are replaced, not added.
    assert (await xref(app.instance, "suspects")).matches == 1
    body = await app.gql(XREF_MATCHES, {"filter": None}, token=xrefer)
    assert body["data"]["xrefMatches"]["totalCount"] == 1
    # Persons are not for analysts without suspects.view.
    analyst = await login_as(app, "analyst1", "analyst")
    body = await app.gql(XREF_MATCHES, {"filter": None}, token=analyst)
    assert body["data"]["xrefMatches"]["totalCount"] == 0


async def test_plain_rows_give_the_profiles_orm_rows_give(make_app: Any) -> None:
    """Screening reads plain rows (core.matching.rows), `matches` ORM rows: same profiles."""
    from core.matching.rows import plain_rows
    from core.records.lifecycle import read_many
    from core.records.registry import record_registry
    from plugins.intelligence.access import system_principal
    from tests.seizures.helpers import completion

    app = await intelligence_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    await app.gql(CREATE_SEIZURE, {"input": simplified_input(**completion())}, token=officer)
    await app.gql(
        CREATE_PERSON, {"input": person_input(aliases=["Abu Ali", "M. Hassan"])}, token=officer
    )
    registry = record_registry(app.instance)
    system = system_principal(app.instance)
    async with app.instance.db.session() as session:
        for entity_type in ("Seizure", "Person"):
            rt = registry.get(entity_type)
            assert rt is not None
            [orm] = await read_many(session, rt, [1], system)
            [plain] = await plain_rows(session, rt.model, [1], rt.match_children)
            assert rt.match_profile(plain) == rt.match_profile(orm)
            assert not rt.match_profile(plain).empty


async def test_similar_seizures_match_by_route_concealment_goods_and_time(make_app: Any) -> None:
    from tests.seizures.helpers import completion

    app = await intelligence_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    full = simplified_input(**completion())
    first = await app.gql(CREATE_SEIZURE, {"input": full}, token=officer)
    similar = full | {"seizureDate": "2026-03-20", "conveyance": {"transportMode": "1"}}
    second = await app.gql(CREATE_SEIZURE, {"input": similar}, token=officer)
    other = simplified_input(
        seizureDate="2025-01-02",
        goods=[{"commodity": "cigarettes", "hsCode": "2402.20", "quantity": "9", "unit": "KGM"}],
        route=[{"role": "origin", "country": "CN"}, {"role": "destination", "country": "DE"}],
    )
    await app.gql(CREATE_SEIZURE, {"input": other}, token=officer)
    await screened(app)

    first_id = first["data"]["createSeizure"]["id"]
    found = (await app.gql(MATCHES, {"id": first_id}, token=officer))["data"]["matches"]
    assert [m["recordId"] for m in found] == [second["data"]["createSeizure"]["id"]]
    [match] = found
    assert match["isMatch"]
    assert {f["feature"] for f in match["explanation"]} == {
        "route",
        "concealment",
        "hs_code",
        "time_window",
    }
