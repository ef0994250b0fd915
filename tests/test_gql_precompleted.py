"""Plain subtrees completed in one pass (core/gql/precompleted.py) answer exactly as
graphql-core does field by field, errors included, and still count list items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from core.gql import precompleted
from core.gql.budget import count_list_items
from core.gql.precompleted import NcenExecutionContext
from core.gql.resolvers import direct_attribute_resolvers, mark_node_ids, mark_pure_methods, pure


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Line:
    name: str
    amount: Decimal | None
    when: dt.date | None
    colour: Colour


@strawberry.type
class Box:
    label: str
    lines: list[Line]
    maybe: str | None


BOXES = [
    Box(
        label="a",
        lines=[Line(name="x", amount=Decimal("1.50"), when=dt.date(2026, 1, 2), colour=Colour.RED)],
        maybe=None,
    ),
    Box(label="b", lines=[], maybe="m"),
]


@strawberry.type
class Crate(relay.Node):
    code: relay.NodeID[int]
    name: str


@strawberry.interface
class Fruit:
    name: str

    @strawberry.field
    @pure
    def kind(self) -> str:
        return f"{type(self).__name__.lower()}:{self.name}"


@strawberry.type
class Apple(Fruit):
    colour: Colour


@strawberry.type
class Pear(Fruit):
    ripe: bool


class Crumble(Apple):
    """A subclass strawberry resolves to `Apple` by its inherited definition: plans give up."""


@strawberry.type
class Query:
    @strawberry.field
    def fruit(self) -> list[Fruit]:
        return [Apple(name="a", colour=Colour.RED), Pear(name="p", ripe=True)]

    @strawberry.field
    def crumble(self) -> list[Fruit]:
        return [Crumble(name="c", colour=Colour.BLUE), Pear(name="q", ripe=False)]

    @strawberry.field
    def crates(self) -> list[Crate]:
        return [Crate(code=7, name="seven"), Crate(code=8, name="eight")]

    @strawberry.field
    def boxes(self) -> list[Box]:
        return BOXES

    @strawberry.field
    def broken(self) -> list[Box]:
        return [Box(label=None, lines=[], maybe=None)]  # type: ignore[arg-type]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = strawberry.Schema(
        query=Query, types=[Apple, Pear], execution_context_class=NcenExecutionContext
    )
    direct_attribute_resolvers(fast)
    assert mark_node_ids(fast) == 1
    assert mark_pure_methods(fast) == 2  # `kind` of Apple and of Pear
    count_list_items(fast)
    plain = strawberry.Schema(query=Query, types=[Apple, Pear])
    return fast, plain


def test_a_plain_subtree_answers_as_graphql_core() -> None:
    fast, plain = schemas()
    for query in (
        "{ boxes { label maybe lines { name amount when colour } } }",
        "{ boxes { __typename l: label lines { colour n: name } } }",
        "{ boxes { label ... on Box { maybe } } }",  # an inline fragment, flattened
        "{ crates { id name } }",
    ):
        got, expected = fast.execute_sync(query), plain.execute_sync(query)
        assert got.errors is None and got.data == expected.data
    # Completed by plans, the inline fragment flattened as graphql-core collects it.
    compiled = [entry for entry in precompleted._PLANS.values() if entry[2] is not None]
    assert len(compiled) >= 3


def test_a_null_where_a_value_is_promised_is_graphql_cores_error() -> None:
    fast, plain = schemas()
    got, expected = (
        fast.execute_sync("{ broken { label } }"),
        plain.execute_sync("{ broken { label } }"),
    )
    assert got.data == expected.data
    assert [e.message for e in got.errors or []] == [e.message for e in expected.errors or []]
    assert got.errors and got.errors[0].path == ["broken", 0, "label"]


def _compiled(field: str) -> bool:
    return any(
        entry[0].name.value == field and entry[2] is not None
        for entry in precompleted._PLANS.values()
    )


def test_an_interface_is_completed_by_the_plan_of_each_objects_type() -> None:
    fast, plain = schemas()
    precompleted._PLANS.clear()
    for query in (
        "{ fruit { name kind __typename } }",
        "{ fruit { kind ... on Apple { colour } ... on Pear { ripe } ... on Fruit { name } } }",
        "{ fruit { ... on Pear { ripe ... on Fruit { n: name } } } }",
    ):
        got, expected = fast.execute_sync(query), plain.execute_sync(query)
        assert got.errors is None and got.data == expected.data, query
    assert _compiled("fruit")


def test_an_object_of_an_unknown_class_leaves_the_interface_to_graphql_core() -> None:
    fast, plain = schemas()
    query = "{ crumble { __typename kind ... on Apple { colour } } }"
    got, expected = fast.execute_sync(query), plain.execute_sync(query)
    assert got.errors is None and got.data == expected.data
    assert got.data == {
        "crumble": [
            {"__typename": "Apple", "kind": "crumble:c", "colour": "BLUE"},
            {"__typename": "Pear", "kind": "pear:q"},
        ]
    }


def test_fields_with_the_same_key_from_fragments_are_merged_by_graphql_core() -> None:
    fast, plain = schemas()
    precompleted._PLANS.clear()
    for query, planned in (
        # Apples are left to graphql-core (`name` twice), pears are planned.
        ("{ fruit { name ... on Apple { name colour } } }", True),
        ("{ fruit { name ... on Fruit { name } } }", False),
    ):
        got, expected = fast.execute_sync(query), plain.execute_sync(query)
        assert got.errors is None and got.data == expected.data
        assert _compiled("fruit") is planned
        precompleted._PLANS.clear()
