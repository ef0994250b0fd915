"""Possible duplicates: same identifier, or a similar name in the same country."""

from __future__ import annotations

import pytest

from plugins.companies.duplicates import NAME_THRESHOLD, similarity
from plugins.companies.identifiers import name_key
from tests.companies.helpers import UPDATE, companies_app, create, tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Global Trading Ltd.", "GLOBAL TRADING LIMITED"),
        ("Société Générale S.A.", "SOCIETE GENERALE SA"),
        ("Atlas Logistics GmbH", "Atlas Logistics G.m.b.H."),
        ("Orient Shipping B.V.", "Orient Shiping BV"),
        ("Blue Star SARL", "Blue Star S.A.R.L."),
        ("Delta Foods LLC", "Delta Foods L.L.C."),
    ],
)
def test_similar_names(a, b):
    assert similarity(name_key(a), name_key(b)) >= NAME_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Global Trading Ltd.", "Global Textiles Ltd."),
        ("Atlas Logistics GmbH", "Meridian Logistics GmbH"),
        ("ABC Ltd", "ABD Ltd"),
    ],
)
def test_different_names(a, b):
    assert similarity(name_key(a), name_key(b)) < NAME_THRESHOLD


async def test_similar_name_same_country_only(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    first = await create(app, who["officer"], identifiers=[])
    assert first["possibleDuplicates"] == []
    abroad = await create(
        app, who["officer"], legalName="GLOBAL TRADING LIMITED", country="IE", identifiers=[]
    )
    assert abroad["possibleDuplicates"] == []  # same name, other country

    twin = await create(app, who["officer"], legalName="GLOBAL TRADING LIMITED", identifiers=[])
    [duplicate] = twin["possibleDuplicates"]
    assert duplicate["company"]["id"] == first["id"]
    assert duplicate["nameSimilarity"] == 1.0
    assert duplicate["matchedName"] == "Global Trading Ltd."
    assert duplicate["sameIdentifiers"] == []

    # An update is checked too: the Irish company moves to GB and meets both.
    moved = (
        await app.gql(
            UPDATE,
            {"id": abroad["id"], "version": 1, "input": {"country": "GB"}},
            token=who["officer"],
        )
    )["data"]["updateCompany"]
    assert {d["company"]["id"] for d in moved["possibleDuplicates"]} == {first["id"], twin["id"]}


async def test_same_identifier_whatever_the_name(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    first = await create(
        app,
        who["officer"],
        legalName="Orient Shipping B.V.",
        country="NL",
        identifiers=[{"scheme": "vat", "value": "NL 0044.95.445 B01"}],
    )
    other = await create(
        app,
        who["officer"],
        legalName="Completely Different Name",
        country="NL",
        identifiers=[{"scheme": "vat", "value": "nl004495445b01"}],
    )
    [duplicate] = other["possibleDuplicates"]
    assert duplicate["company"]["id"] == first["id"]
    assert duplicate["sameIdentifiers"] == ["vat:NL004495445B01"]
    assert duplicate["nameSimilarity"] is None


async def test_other_officers_drafts_are_not_disclosed(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    await create(app, who["officer"], identifiers=[])
    mine = await create(app, who["officer2"], legalName="GLOBAL TRADING LIMITED", identifiers=[])
    assert mine["possibleDuplicates"] == []  # officer1's draft is private to them
