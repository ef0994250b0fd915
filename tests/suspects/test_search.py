"""Search over persons: fuzzy names with aliases and transliterations, exact document numbers
and conveyance identifiers, nationalities; drafts only for their author; review flag; demo."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from plugins.suspects import demo
from plugins.suspects.models import Person
from tests.suspects.helpers import (
    CREATE,
    CREATE_CONVEYANCE,
    SUBMIT,
    gql,
    node_id,
    person_input,
    suspects_app,
    tokens,
)

SEARCH = """query($q: String!, $f: [SearchFilter!]) { search(query: $q, filters: $f) {
  totalCount edges { node { __typename id } } } }"""


async def test_person_search(make_app):
    app = await suspects_app(make_app)
    who = await tokens(app)
    first = (
        await gql(
            app,
            CREATE,
            {"input": person_input(originalScriptName="Мухаммад Аль-Хасан", aliases=["Abu Karim"])},
            token=who["officer"],
        )
    )["data"]["createPerson"]
    await gql(app, SUBMIT, {"id": first["id"], "v": 1}, token=who["officer"])
    draft = (
        await gql(
            app,
            CREATE,
            {"input": person_input(familyName="Oyelaran", documents=[], nationalities=["NG"])},
            token=who["officer"],
        )
    )["data"]["createPerson"]
    await gql(
        app,
        CREATE_CONVEYANCE,
        {"input": {"kind": "CONTAINER", "containerNumber": "MSKU1234565"}},
        token=who["officer"],
    )
    await app.instance.outbox.settle()

    async def ids(query: str, token: str = who["validator"], filters=None) -> list[str]:
        body = await gql(app, SEARCH, {"q": query, "f": filters}, token=token)
        return [e["node"]["id"] for e in body["data"]["search"]["edges"]]

    assert await ids("alhasn~") == [first["id"]]  # typo, fuzzy
    assert await ids("mukhammad") == [first["id"]]  # folded original script
    assert await ids("Хасан") == [first["id"]]  # the original script itself
    assert await ids("karim") == [first["id"]]  # alias
    assert await ids("identifiers:K1234567") == [first["id"]]
    assert await ids("", filters=[{"field": "countries", "values": ["IQ"]}]) == [first["id"]]
    container = await ids("identifiers:msku1234565")
    assert len(container) == 1
    # A draft: its author and validators find it, another officer does not.
    assert await ids("oyelaran", who["officer"]) == [draft["id"]]
    assert await ids("oyelaran", who["validator"]) == [draft["id"]]
    assert await ids("oyelaran", who["officer2"]) == []


async def test_review_due_flag_and_demo(make_app):
    app = await suspects_app(make_app)
    who = await tokens(app)
    person = (await gql(app, CREATE, {"input": person_input()}, token=who["officer"]))["data"][
        "createPerson"
    ]
    async with app.instance.db.transaction() as session:
        await session.execute(
            update(Person)
            .where(Person.id == int(node_id(person["id"])))
            .values(review_date=dt.date.today() - dt.timedelta(days=1))
        )
    due = await gql(
        app,
        "{ persons(filter: {reviewDue: true}) { edges { node { id reviewDue } } } }",
        token=who["officer"],
    )
    assert due["data"]["persons"]["edges"] == [{"node": {"id": person["id"], "reviewDue": True}}]
    bad = await gql(
        app,
        CREATE,
        {"input": person_input(reviewDate="2001-01-01")},
        token=who["officer"],
        expect_errors=True,
    )
    assert bad["errors"][0]["extensions"]["field"] == "reviewDate"

    async with app.instance.db.transaction() as session:
        assert await demo.load(session, 20) == 20
    async with app.instance.db.session() as session:
        names = (await session.scalars(select(Person.family_name).order_by(Person.id))).all()
    async with app.instance.db.transaction() as session:
        await demo.load(session, 20)
    async with app.instance.db.session() as session:
        again = (await session.scalars(select(Person.family_name).order_by(Person.id))).all()
    assert again[21:] == names[1:]  # same seed, same persons
