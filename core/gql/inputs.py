"""Input checks every module's API gets from core, declared once here.

- **Text**: variables are checked with the request body (core/request_body.py); string literals
  of the document by `TextLiteralRule` (a `"\\u0000"` escape is legal GraphQL).
- **Decimals**: the `Decimal` scalar accepts finite numbers of at most `MAX_DECIMAL_DIGITS`
  digits either side of the point (`INVALID_DECIMAL`): `NaN`, `sNaN`, `Infinity` or
  `1e999999999` never reach module code, whose comparisons would raise on them. Whether a
  value fits its column (precision and scale) is checked at flush (core/column_limits.py).
- **Lists**: every list input, argument or input field, holds at most `max_list_items` items
  (`[ncen.graphql]`, 500) unless its declaration says otherwise with `max_items(n)` in its
  metadata (`TOO_MANY_ITEMS`, with the field's path); checked before the resolver runs.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    StringValueNode,
    ValidationRule,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.scalar import ScalarDefinition, scalar

from core.gql.errors import InputError
from core.internals import graphql_core_schema
from core.request_body import text_problem

MAX_ITEMS_KEY = "ncen.max_items"  # key of a list's declared maximum in strawberry metadata
MAX_DECIMAL_DIGITS = 40
INVALID_TEXT = "INVALID_TEXT"
INVALID_DECIMAL = "INVALID_DECIMAL"
TOO_MANY_ITEMS = "TOO_MANY_ITEMS"


# --- text --------------------------------------------------------------------------------------


class TextLiteralRule(ValidationRule):
    """String literals of the document: no NUL, no lone surrogate (cached with the document)."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        problem = text_problem(node.value)
        if problem:
            self.report_error(
                GraphQLError(f"this string {problem}", node, extensions={"code": INVALID_TEXT})
            )


# --- decimals ----------------------------------------------------------------------------------


def parse_decimal(value: object) -> decimal.Decimal:
    """A finite decimal of bounded size, from a string or a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError("a decimal is a string or a number", code=INVALID_DECIMAL)
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.DecimalException:
        raise InputError("not a decimal number", code=INVALID_DECIMAL) from None
    if not number.is_finite():
        raise InputError("a decimal must be a finite number", code=INVALID_DECIMAL)
    digits_before = max(number.adjusted() + 1, 0)
    digits_after = max(-number.as_tuple().exponent, 0)  # type: ignore[operator]  # a finite Decimal's exponent is an int (checked above)
    if number and (digits_before > MAX_DECIMAL_DIGITS or digits_after > MAX_DECIMAL_DIGITS):
        raise InputError(
            f"at most {MAX_DECIMAL_DIGITS} digits before and after the decimal point",
            code=INVALID_DECIMAL,
        )
    return number


DECIMAL: ScalarDefinition = scalar(
    name="Decimal",
    description="Decimal (fixed-point)",
    serialize=str,
    parse_value=parse_decimal,
)
SCALAR_OVERRIDES: Mapping[object, ScalarDefinition] = {decimal.Decimal: DECIMAL}


# --- list lengths ------------------------------------------------------------------------------


def max_items(count: int) -> dict[str, int]:
    """Metadata declaring a list input's maximum length:
    `goods: list[GoodsLineInput] = strawberry.field(metadata=max_items(200))`."""
    if count < 1:
        raise ValueError("a list's maximum is at least 1")
    return {MAX_ITEMS_KEY: count}


def declared_max(definition: GraphQLArgument | GraphQLInputField, default: int) -> int:
    owner = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata = getattr(owner, "metadata", None) or {}
    return int(metadata.get(MAX_ITEMS_KEY, default))


def _unwrap(graphql_type: Any) -> Any:
    return graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type


def _holds_lists(graphql_type: Any, seen: set[str]) -> bool:
    """Whether a value of this input type can contain a list anywhere."""
    graphql_type = _unwrap(graphql_type)
    if isinstance(graphql_type, GraphQLList):
        return True
    if isinstance(graphql_type, GraphQLInputObjectType) and graphql_type.name not in seen:
        seen.add(graphql_type.name)
        return any(_holds_lists(f.type, seen) for f in graphql_type.fields.values())
    return False


def check_list_lengths(value: Any, graphql_type: Any, limit: int, path: str, default: int) -> None:
    """Refuse a list longer than `limit` (or its items' own limits) in an input value."""
    stack = [(value, graphql_type, limit, path)]
    while stack:
        current, current_type, current_limit, current_path = stack.pop()
        current_type = _unwrap(current_type)
        if current is None:
            continue
        if isinstance(current_type, GraphQLList) and isinstance(current, list):
            if len(current) > current_limit:
                raise InputError(
                    f"at most {current_limit} items, got {len(current)}",
                    code=TOO_MANY_ITEMS,
                    field=current_path,
                    maxItems=current_limit,
                )
            stack.extend(
                (item, current_type.of_type, default, f"{current_path}[{index}]")
                for index, item in enumerate(current)
            )
        elif isinstance(current_type, GraphQLInputObjectType) and isinstance(current, dict):
            for name, field in current_type.fields.items():
                if name in current:
                    stack.append(
                        (
                            current[name],
                            field.type,
                            declared_max(field, default),
                            f"{current_path}.{name}" if current_path else name,
                        )
                    )


def _checked(resolve: Any, arguments: dict[str, tuple[Any, int]], default: int) -> Any:
    def resolve_checked(source: Any, info: Any, **args: Any) -> Any:
        for name, (graphql_type, limit) in arguments.items():
            if name in args:
                # Paths as module errors name fields: `goods[3]` within the `input` argument,
                # `filter.area` within any other.
                path = "" if name == "input" else name
                check_list_lengths(args[name], graphql_type, limit, path, default)
        return resolve(source, info, **args)

    resolve_checked.__wrapped__ = resolve  # type: ignore[attr-defined]  # a function attribute read by strawberry's resolver lookup
    return resolve_checked


def limit_list_inputs(schema: strawberry.Schema, default: int) -> int:
    """Check the list lengths of every field's arguments before its resolver runs; returns
    how many fields take lists."""
    checked = 0
    for graphql_type in graphql_core_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            arguments = {
                name: (argument.type, declared_max(argument, default))
                for name, argument in field.args.items()
                if _holds_lists(argument.type, set())
            }
            if arguments and field.resolve is not None:
                field.resolve = _checked(field.resolve, arguments, default)
                checked += 1
    return checked
