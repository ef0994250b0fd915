"""Companies with seizures and persons: links across modules, and modules switched off.

The end-to-end test runs twice: with the suspects module itself, and with a stand-in module
`people` (below) serving a `Person` entity with suspects' Seizure->Person link type, so the
cross-module path of core is covered even where suspects is not installed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
import strawberry
from strawberry import relay
from strawberry.types import Info

from core.codelists.sync import sync_code_lists
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.entity import Entity
from core.hookspecs import hookimpl
from core.links import LinkType
from core.module import ModuleInfo
from core.testing import login_as
from tests.companies.helpers import CREATE as CREATE_COMPANY
from tests.companies.helpers import company_input
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input

PEOPLE = {"1": "Courier One"}


@strawberry.type(name="Person")
class StandInPerson(Entity):
    owner_module = "people"
    id: relay.NodeID[str]
    name: str

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[StandInPerson | None]:
        return [cls(id=i, name=PEOPLE[i]) if i in PEOPLE else None for i in node_ids]


@strawberry.type
class PeopleQuery:
    @strawberry.field(extensions=[])
    def people_count(self) -> int:
        return len(PEOPLE)


class PeopleModule:
    """Stand-in for suspects: a `Person` entity and suspects' Seizure->Person link type."""

    info = ModuleInfo(name="people", version="0.0.1", label="People (test stand-in)")

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(types=[StandInPerson])

    @hookimpl
    def register_link_types(self) -> list[LinkType]:
        return [LinkType("Seizure", "courier", "Person", "courierIn", "Carried the goods.")]


LINK = """mutation($s: ID!, $r: String!, $t: ID!) {
  link(input: {source: $s, relation: $r, target: $t}) { relation entityType } }"""
FROM_COMPANY = """query($id: ID!) { company(id: $id) { legalName
  links { relation entityType entity { id ... on Seizure { reference
    links(entityType: "Person") { relation entity { id ... on Person { name } } } } } } } }"""


async def _app(make_app, modules):
    app = await make_app(modules=modules, extra_modules=[PeopleModule()])
    await sync_code_lists(app.instance)
    return app


CREATE_PERSON = """mutation($input: PersonInput!) { createPerson(input: $input) { id } }"""


def _suspects_installed() -> bool:
    try:
        import plugins.suspects.types  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("persons", ["suspects", "people"])
async def test_company_reaches_seizure_and_through_it_the_person(make_app, persons):
    """All three databases: with suspects itself, and with the stand-in `people` module."""
    if persons == "suspects" and not _suspects_installed():
        pytest.skip("the suspects module is not installed")
    app = await _app(make_app, ["seizures", "companies", persons])
    officer = await login_as(app, "officer1", "officer")
    company = (await app.gql(CREATE_COMPANY, {"input": company_input()}, token=officer))["data"][
        "createCompany"
    ]
    seizure = (await app.gql(CREATE_SEIZURE, {"input": simplified_input()}, token=officer))["data"][
        "createSeizure"
    ]
    if persons == "suspects":
        made = await app.gql(
            CREATE_PERSON,
            {"input": {"familyName": "One", "givenNames": "Courier", "category": "SUSPECT"}},
            token=officer,
        )
        person = made["data"]["createPerson"]["id"]
        fragment = " ... on Person { familyName }"
        expected_person = {"id": person, "familyName": "One"}
    else:
        person = relay.to_base64("Person", "1")
        fragment = " ... on Person { name }"
        expected_person = {"id": person, "name": "Courier One"}
    query = FROM_COMPANY.replace(" ... on Person { name }", fragment)
    # Named from either side: the inverse is accepted and stored in the declared direction.
    linked = await app.gql(
        LINK, {"s": company["id"], "r": "importerOf", "t": seizure["id"]}, token=officer
    )
    assert linked["data"]["link"] == {"relation": "importerOf", "entityType": "Seizure"}
    await app.gql(LINK, {"s": seizure["id"], "r": "courier", "t": person}, token=officer)
    await app.gql(LINK, {"s": company["id"], "r": "director", "t": person}, token=officer)

    body = await app.gql(query, {"id": company["id"]}, token=officer)
    links = body["data"]["company"]["links"]
    assert {(link["relation"], link["entityType"]) for link in links} == {
        ("importerOf", "Seizure"),
        ("director", "Person"),
    }
    [to_seizure] = [link for link in links if link["entityType"] == "Seizure"]
    assert to_seizure["entity"]["reference"] == seizure["reference"]
    assert to_seizure["entity"]["links"] == [{"relation": "courier", "entity": expected_person}]
    await app.close()

    # Persons switched off: the same query returns the seizure and no person, without error.
    without = await _app(make_app, ["seizures", "companies"])
    officer = await login_as(without, "validator1", "validator")  # sees officer1's drafts
    body = await without.gql(query.replace(fragment, ""), {"id": company["id"]}, token=officer)
    links = body["data"]["company"]["links"]
    assert [(link["relation"], link["entityType"]) for link in links] == [("importerOf", "Seizure")]
    assert links[0]["entity"]["links"] == []
    refused = await without.gql(
        LINK, {"s": company["id"], "r": "director", "t": person}, token=officer, expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["code"] == "UNKNOWN_ENTITY_TYPE"


async def test_seizures_unchanged_without_companies(make_app):
    app = await _app(make_app, ["seizures", "companies"])
    officer = await login_as(app, "officer1", "officer")
    company = (await app.gql(CREATE_COMPANY, {"input": company_input()}, token=officer))["data"][
        "createCompany"
    ]
    seizure = (await app.gql(CREATE_SEIZURE, {"input": simplified_input()}, token=officer))["data"][
        "createSeizure"
    ]
    await app.gql(LINK, {"s": seizure["id"], "r": "importer", "t": company["id"]}, token=officer)
    await app.close()

    alone = await make_app(modules=["seizures"])
    await sync_code_lists(alone.instance)
    officer = await login_as(alone, "officer2", "officer")
    schema = await alone.gql("{ __schema { types { name } } }", token=officer)
    assert not {t["name"] for t in schema["data"]["__schema"]["types"]} & {
        "Company",
        "CompanyInput",
        "PossibleDuplicate",
    }
    body = await alone.gql(
        "query($id: ID!) { seizure(id: $id) { reference links { relation } } }",
        {"id": seizure["id"]},
        token=await login_as(alone, "validator1", "validator"),
    )
    assert body["data"]["seizure"] == {"reference": seizure["reference"], "links": []}
    created = await alone.gql(CREATE_SEIZURE, {"input": simplified_input()}, token=officer)
    assert created["data"]["createSeizure"]["status"] == "DRAFT"
    node = await alone.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": company["id"]}, token=officer
    )
    assert node["data"]["node"] is None
    await alone.close()

    # Nothing was lost: companies back on, the link is back.
    again = await _app(make_app, ["seizures", "companies"])
    validator = await login_as(again, "validator2", "validator")
    body = await again.gql(
        "query($id: ID!) { company(id: $id) { links { relation entityType } } }",
        {"id": company["id"]},
        token=validator,
    )
    assert body["data"]["company"]["links"] == [{"relation": "importerOf", "entityType": "Seizure"}]
