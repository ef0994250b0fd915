"""Direct resolvers of basic fields: the same answers as strawberry's, on the fields it marks
basic only, and still applied to the composed schema (a strawberry upgrade would show here)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension
from strawberry.schema.config import StrawberryConfig

from core.gql.resolvers import direct_attribute_resolvers
from core.internals import STRAWBERRY_BASIC_RESOLVER as BASIC_RESOLVER_NAME


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Item:
    snake_case: str
    renamed: int = strawberry.field(name="other")
    hidden: strawberry.Private[str]
    loud: str = strawberry.field(extensions=[Shout()])

    @strawberry.field
    def computed(self) -> str:
        return self.hidden * 2


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(snake_case=f"s{i}", renamed=i, hidden="h", loud="quiet") for i in range(3)]


QUERY = "{ items { snakeCase other loud computed } }"


def resolver_names(schema: strawberry.Schema, type_name: str) -> dict[str, str]:
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return {name: getattr(f.resolve, "__name__", "") for name, f in graphql_type.fields.items()}


def test_same_answers_and_only_basic_fields_replaced() -> None:
    schema = strawberry.Schema(query=Query)
    before = schema.execute_sync(QUERY)
    assert before.errors is None
    assert direct_attribute_resolvers(schema) == 2  # snakeCase, other
    names = resolver_names(schema, "Item")
    assert names["snakeCase"] == names["other"] == "resolve"
    assert names["loud"] != "resolve" and names["computed"] != "resolve"
    after = schema.execute_sync(QUERY)
    assert after.errors is None and after.data == before.data
    assert after.data["items"][0] == {
        "snakeCase": "s0",
        "other": 0,
        "loud": "QUIET",
        "computed": "hh",
    }


def test_a_custom_default_resolver_is_left_alone() -> None:
    config = StrawberryConfig(default_resolver=lambda obj, name: "x")
    schema = strawberry.Schema(query=Query, config=config)
    assert direct_attribute_resolvers(schema) == 0


async def test_the_composed_schema_has_direct_resolvers(make_app) -> None:
    app = await make_app(modules=["seizures"])
    names = resolver_names(app.instance.schema, "Seizure")
    assert names["reference"] == names["seizureDate"] == "resolve"
    assert BASIC_RESOLVER_NAME not in names.values()
