"""Companies through HTTP: field-level identifier errors, normalisation, the workflow, search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from plugins.companies.identifiers import normalise_eori, normalise_identifier, normalise_vat
from plugins.companies.models import Company
from tests.companies.helpers import (
    CREATE,
    GET,
    RETURN,
    SUBMIT,
    UPDATE,
    VALIDATE,
    companies_app,
    company_input,
    create,
    tokens,
)


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("nl 0044.95.445 b01", None, ("NL004495445B01", "NL")),
        ("004495445B01", "NL", ("NL004495445B01", "NL")),
        ("094259216", "GR", ("EL094259216", "GR")),
        ("DE 136,695,976", None, ("DE136695976", "DE")),
    ],
)
def test_vat_normalised(value, country, expected):
    assert normalise_vat(value, country) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("nl 004495445", ("NL004495445", "NL")), ("gb-1234.5678.9000", ("GB123456789000", "GB"))],
)
def test_eori_normalised(value, expected):
    assert normalise_eori(value, None) == expected


@pytest.mark.parametrize(
    ("identifier", "fragment"),
    [
        ({"scheme": "eori", "value": "123456789"}, "2-letter country code"),
        ({"scheme": "eori", "value": "NL1234567890123456"}, "up to 15"),
        ({"scheme": "eori", "value": "QQ12345"}, "QQ is not one"),
        ({"scheme": "eori", "value": "GB12345"}, "12 or 15 digits"),
        ({"scheme": "vat", "value": "NL004495446B01"}, "NL VAT number"),
        ({"scheme": "vat", "value": "DE12345"}, "DE VAT number"),
        ({"scheme": "vat", "value": "FR12345678901", "country": "NL"}, "issued by FR"),
        ({"scheme": "lei", "value": "5493001KJTIIGC8Y1R13"}, "LEI"),
        ({"scheme": "company_number", "value": "732 829 321", "country": "FR"}, "FR company"),
    ],
)
def test_wrong_identifiers_are_refused(identifier, fragment):
    with pytest.raises(ValueError, match=fragment):
        normalise_identifier(identifier["scheme"], identifier["value"], identifier.get("country"))


@pytest.mark.parametrize(
    "identifier",
    [
        {"scheme": "eori", "value": "NL1234567890123456"},
        {"scheme": "vat", "value": "NL004495446B01"},
    ],
)
async def test_wrong_identifier_is_a_field_error_and_writes_nothing(make_app, identifier):
    app = await companies_app(make_app)
    who = await tokens(app)
    valid = {"scheme": "lei", "value": "5493001KJTIIGC8Y1R12"}
    body = await app.gql(
        CREATE,
        {"input": company_input(identifiers=[valid, identifier])},
        token=who["officer"],
        expect_errors=True,
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_FORMAT"
    assert error["extensions"]["field"] == "identifiers[1].value"
    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Company)) == 0


async def test_unknown_codes_name_their_field(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    for bad, field in (
        ({"identifiers": [{"scheme": "passport", "value": "X1"}]}, "identifiers[0].scheme"),
        ({"roles": ["importer", "smuggler"]}, "roles[1]"),
        ({"country": "QQ"}, "country"),
        ({"hsChapters": ["99"]}, "hsChapters[0]"),
        ({"aeo": {"status": "none", "certificate": "NLAEOF1234"}}, "aeo.status"),
        ({"contacts": [{"kind": "email", "value": "not-an-address"}]}, "contacts[0].value"),
    ):
        body = await app.gql(
            CREATE, {"input": company_input(**bad)}, token=who["officer"], expect_errors=True
        )
        assert body["errors"][0]["extensions"]["field"] == field, (bad, body["errors"])


async def test_officer_to_validator_round_trip(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    created = await create(
        app,
        who["officer"],
        tradeNames=["  GLOBAL   TRADING ", "Global Trading"],
        hsChapters=["24", "8471", "24"] and ["24", "85"],
        aeo={"status": "aeof", "certificate": "gb aeof 00001234"},
        contacts=[{"kind": "phone", "value": "+44 (0)20 7946-0000"}],
        assessmentNotes="Fast-growing importer of cheap cigarettes; verify.",
    )
    assert created["status"] == "DRAFT" and created["version"] == 1
    assert created["country"] == "GB"
    assert created["identifiers"] == [
        {"scheme": "eori", "country": "GB", "value": "GB123456789000"}
    ]
    assert created["tradeNames"] == ["GLOBAL TRADING", "Global Trading"]
    assert created["aeo"] == {"status": "aeof", "certificate": "GBAEOF00001234"}
    assert created["hsChapters"] == ["24", "85"]
    company_id = created["id"]

    assert (await app.gql(GET, {"id": company_id}, token=who["officer2"]))["data"][
        "company"
    ] is None
    assert (await app.gql(GET, {"id": company_id}, token=who["validator"]))["data"]["company"]

    stale = await app.gql(
        UPDATE,
        {"id": company_id, "version": 7, "input": {"legalStatus": "active"}},
        token=who["officer"],
        expect_errors=True,
    )
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"

    updated = (
        await app.gql(
            UPDATE,
            {"id": company_id, "version": 1, "input": {"legalStatus": "active"}},
            token=who["officer"],
        )
    )["data"]["updateCompany"]
    assert updated["version"] == 2 and updated["legalStatus"] == "active"

    submitted = await app.gql(SUBMIT, {"id": company_id, "v": 2}, token=who["officer"])
    assert submitted["data"]["submitCompany"] == {"status": "SUBMITTED", "version": 3}
    returned = await app.gql(
        RETURN, {"id": company_id, "v": 3, "c": "add the VAT number"}, token=who["validator"]
    )
    assert returned["data"]["returnCompany"]["status"] == "RETURNED"
    fixed = (
        await app.gql(
            UPDATE,
            {
                "id": company_id,
                "version": 4,
                "input": {
                    "identifiers": [
                        {"scheme": "eori", "value": "GB123456789000"},
                        {"scheme": "vat", "value": "GB 980 7806 84"},
                    ]
                },
            },
            token=who["officer"],
        )
    )["data"]["updateCompany"]
    assert fixed["identifiers"][1] == {"scheme": "vat", "country": "GB", "value": "980780684"}
    await app.gql(SUBMIT, {"id": company_id, "v": 5}, token=who["officer"])
    own = await app.gql(
        VALIDATE, {"id": company_id, "v": 6}, token=who["officer"], expect_errors=True
    )
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    validated = await app.gql(VALIDATE, {"id": company_id, "v": 6}, token=who["validator"])
    assert validated["data"]["validateCompany"] == {"status": "VALIDATED", "version": 7}

    no_reason = await app.gql(
        UPDATE,
        {"id": company_id, "version": 7, "input": {"legalStatus": "dissolved"}},
        token=who["validator"],
        expect_errors=True,
    )
    assert no_reason["errors"][0]["extensions"]["field"] == "reason"

    async with app.instance.db.session() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "Company")
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert actions == [
        "record.create",
        "record.update",
        "record.status",
        "record.status",
        "record.update",
        "record.status",
        "record.status",
    ]
    history = await app.gql(
        "query($id: ID!) { company(id: $id) { history { actor action fromStatus toStatus "
        "comment fields } } }",
        {"id": company_id},
        token=who["analyst"],
    )
    steps = history["data"]["company"]["history"]
    assert [(s["actor"], s["action"], s["toStatus"]) for s in steps] == [
        ("officer1", "record.create", None),
        ("officer1", "record.update", None),
        ("officer1", "record.status", "submitted"),
        ("validator1", "record.status", "returned"),
        ("officer1", "record.update", None),
        ("officer1", "record.status", "submitted"),
        ("validator1", "record.status", "validated"),
    ]
    assert steps[3]["comment"] == "add the VAT number" and steps[3]["fromStatus"] == "submitted"
    assert steps[4]["fields"] == ["identifiers"]

    # Search: fuzzy on names, exact on identifiers, for those allowed to see the record.
    await app.instance.outbox.settle()
    query = "query($q: String!) { search(query: $q) { totalCount edges { node { id } } } }"
    for text in ("globl~ tradin~", "identifiers:980780684", "identifiers:GB123456789000"):
        body = await app.gql(query, {"q": text}, token=who["analyst"])
        assert body["data"]["search"]["totalCount"] == 1, text
        assert body["data"]["search"]["edges"][0]["node"]["id"] == company_id

    listing = await app.gql(
        '{ companies(filter: {name: "global trading limited", identifier: "980 780 684"}) '
        "{ totalCount edges { node { id } } } }",
        token=who["analyst"],
    )
    assert listing["data"]["companies"]["totalCount"] == 1


async def test_drafts_are_found_only_by_their_author_and_validators(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    await create(app, who["officer"])
    await app.instance.outbox.settle()
    query = '{ search(query: "global") { totalCount } }'
    counts = {
        name: (await app.gql(query, token=who[name]))["data"]["search"]["totalCount"]
        for name in ("officer", "officer2", "validator", "analyst")
    }
    assert counts == {"officer": 1, "officer2": 0, "validator": 1, "analyst": 0}
