"""Demo data is deterministic and valid; the form schema describes the company fields."""

from __future__ import annotations

from sqlalchemy import select

from core.plugins import resolve
from plugins.companies import demo
from plugins.companies.identifiers import normalise_identifier
from plugins.companies.models import Company
from tests.companies.helpers import companies_app, tokens


async def test_demo_is_deterministic_valid_and_has_twins(make_app):
    app = await companies_app(make_app)
    who = await tokens(app)
    module = app.instance.pm.get_plugin("companies")
    await resolve(module.load_demo_data(instance=app.instance, size=30))
    async with app.instance.db.session() as session:
        rows = (await session.scalars(demo_query())).all()
    assert len(rows) == 30
    for company in rows:
        for identifier in company.identifiers:
            value, _ = normalise_identifier(identifier.scheme, identifier.value, company.country)
            assert value == identifier.value
    again = []
    async with app.instance.db.transaction() as session:
        await demo.load(session, 30)
        again = (await session.scalars(demo_query().offset(30))).all()
    assert [c.legal_name for c in again] == [c.legal_name for c in rows]

    body = await app.gql(
        "{ companies(first: 30) { edges { node { possibleDuplicates { company { id } } } } } }",
        token=who["validator"],
    )
    assert any(e["node"]["possibleDuplicates"] for e in body["data"]["companies"]["edges"])

    form = await app.gql(
        '{ formSchema(entityType: "Company", language: "fr") { fields { name codeList nominal label } } }'
    )
    fields = {f["name"]: f for f in form["data"]["formSchema"]["fields"]}
    assert fields["legalName"]["nominal"] and fields["legalName"]["label"] == "Raison sociale"
    assert fields["roles"]["codeList"] == "companies_trade_roles"


def demo_query():
    from plugins.companies.loaders import with_children

    return with_children(select(Company).order_by(Company.id))
