"""Means of conveyance: identifiers validated (check digits) with field-level errors,
normalised so the same vehicle or container is found however it was typed."""

from __future__ import annotations

import pytest

from core.identifiers import iso6346_check_digit
from plugins.suspects.identifiers import normalise_vin, vin_check_digit
from tests.suspects.helpers import CREATE_CONVEYANCE, gql, suspects_app, tokens

LIST = """query($f: MeansOfConveyanceFilter) { conveyances(filter: $f) { totalCount
  edges { node { __typename identifier ... on Container { number } ... on Vehicle { plate } } } } }"""


def test_examples_have_valid_check_digits():
    assert iso6346_check_digit("ABCU123456") == 0  # ABCU 123456 0
    assert iso6346_check_digit("MSKU123456") == 5
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    with pytest.raises(ValueError):
        normalise_vin("1M8GDM9A1KP042788")  # North American VIN, wrong check digit
    assert normalise_vin("wvw zzz1jz 3w386752") == "WVWZZZ1JZ3W386752"  # European: not checked


async def test_identifiers_checked_and_normalised(make_app):
    app = await suspects_app(make_app)
    officer = (await tokens(app))["officer"]

    async def create(data: dict, expect_errors: bool = False) -> dict:
        return await gql(
            app, CREATE_CONVEYANCE, {"input": data}, token=officer, expect_errors=expect_errors
        )

    container = await create({"kind": "CONTAINER", "containerNumber": "abcu 123456-0"})
    assert container["data"]["createConveyance"]["number"] == "ABCU1234560"
    node = await gql(
        app,
        "query($id: ID!) { node(id: $id) { ... on Container { number links { relation } } } }",
        {"id": container["data"]["createConveyance"]["id"]},
        token=officer,
    )
    assert node["data"]["node"] == {"number": "ABCU1234560", "links": []}
    twin = await create({"kind": "CONTAINER", "containerNumber": "ABCU1234560"}, True)
    assert twin["errors"][0]["extensions"]["code"] == "DUPLICATE"
    assert twin["errors"][0]["extensions"]["existingId"]

    wrong = await create({"kind": "CONTAINER", "containerNumber": "ABCU1234567"}, True)
    assert wrong["errors"][0]["extensions"] == {
        "code": "INVALID_FORMAT",
        "field": "containerNumber",
    }
    imo = await create({"kind": "VESSEL", "name": "Sea Lark", "imo": "IMO 9074728"}, True)
    assert imo["errors"][0]["extensions"]["field"] == "imo"
    assert imo["errors"][0]["extensions"]["code"] == "INVALID_FORMAT"
    vessel = await create(
        {
            "kind": "VESSEL",
            "name": "Sea Lark",
            "imo": "IMO 9074729",
            "mmsi": "244 123 456",
            "country": "pa",
        }
    )
    assert vessel["data"]["createConveyance"]["imo"] == "9074729"
    assert vessel["data"]["createConveyance"]["country"] == "PA"
    mixed = await create(
        {"kind": "CONTAINER", "containerNumber": "MSKU1234565", "plate": "X1"}, True
    )
    assert mixed["errors"][0]["extensions"]["field"] == "plate"

    car = await create({"kind": "VEHICLE", "plate": "ab-12 cd", "country": "nl", "make": "Volvo"})
    assert car["data"]["createConveyance"]["plate"] == "AB12CD"
    again = await create({"kind": "VEHICLE", "plate": "AB 12 CD", "country": "NL"}, True)
    assert again["errors"][0]["extensions"]["code"] == "DUPLICATE"
    elsewhere = await create({"kind": "VEHICLE", "plate": "AB 12 CD", "country": "BE"})
    assert elsewhere["data"]["createConveyance"]["plate"] == "AB12CD"

    for typed in ("abcu 1234560", "ABCU-123456-0"):
        found = (await gql(app, LIST, {"f": {"identifier": typed}}, token=officer))["data"]
        assert [e["node"]["number"] for e in found["conveyances"]["edges"]] == ["ABCU1234560"]
    plates = (
        await gql(app, LIST, {"f": {"identifier": "ab12cd", "kind": ["VEHICLE"]}}, token=officer)
    )["data"]["conveyances"]
    assert plates["totalCount"] == 2


async def test_update_link_and_delete(make_app):
    from tests.suspects.helpers import CREATE, LINK, person_input

    app = await suspects_app(make_app)
    officer = (await tokens(app))["officer"]
    car = (
        await gql(
            app,
            CREATE_CONVEYANCE,
            {"input": {"kind": "VEHICLE", "plate": "XY-99-ZZ", "country": "BE"}},
            token=officer,
        )
    )["data"]["createConveyance"]
    update = """mutation($id: ID!, $v: Int!, $input: MeansOfConveyanceInput!) {
      updateConveyance(id: $id, version: $v, input: $input) { version ... on Vehicle { make } } }"""
    stale = await gql(
        app,
        update,
        {"id": car["id"], "v": 5, "input": {"make": "Volvo"}},
        token=officer,
        expect_errors=True,
    )
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    done = await gql(
        app, update, {"id": car["id"], "v": 1, "input": {"make": "Volvo"}}, token=officer
    )
    assert done["data"]["updateConveyance"] == {"version": 2, "make": "Volvo"}

    person = (await gql(app, CREATE, {"input": person_input()}, token=officer))["data"][
        "createPerson"
    ]
    await gql(app, LINK, {"s": person["id"], "r": "uses", "t": car["id"]}, token=officer)
    links = await gql(
        app,
        "query($id: ID!) { node(id: $id) { ... on Vehicle { links { relation entity { id } } } } }",
        {"id": car["id"]},
        token=officer,
    )
    assert links["data"]["node"]["links"] == [
        {"relation": "usedBy", "entity": {"id": person["id"]}}
    ]
    # Deleting a record takes its links along, each audited under the link's source record.
    delete = """mutation($id: ID!, $v: Int!) {
      deleteConveyance(id: $id, version: $v) { id entityType } }"""
    gone = await gql(app, delete, {"id": car["id"], "v": 2}, token=officer)
    assert gone["data"]["deleteConveyance"] == {"id": car["id"], "entityType": "Vehicle"}
    history = await gql(
        app,
        "query($id: ID!) { person(id: $id) { links { id } history { action } } }",
        {"id": person["id"]},
        token=officer,
    )
    assert history["data"]["person"]["links"] == []
    assert [h["action"] for h in history["data"]["person"]["history"]][-2:] == [
        "link.created",
        "link.removed",
    ]
