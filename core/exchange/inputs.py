"""From a flat row to the module's GraphQL input, through the served schema itself.

The row's values are placed at their input paths (`goods[0].quantity`), brought to the forms a
GraphQL variable would carry (dates as ISO strings, numbers as strings), then coerced with the
schema's own input type: scalars, enums, required fields and list limits are checked exactly as
for a GraphQL call, and errors name the same field paths.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import re
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
    is_required_input_field,
)
from graphql.utilities import coerce_input_value, validate_input_value
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.schema.schema_converter import GraphQLCoreConverter

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


@dataclass(frozen=True)
class FieldError:
    field: str  # input path, as GraphQL errors name it (`goods[0].quantity`)
    code: str
    message: str


_IMMUTABLE = (str, int, float, bool, Decimal, dt.date, dt.time, enum.Enum, type(None))


class _Refused(Exception):
    """A value the direct build does not take: build the row the long way for its errors."""


class RowInvalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.split("."):
        match = _PART.fullmatch(piece)
        if match is None:
            raise ValueError(f"{path!r} is not an input path")
        parts.append(match.group(1))
        if match.group(2) is not None:
            parts.append(int(match.group(2)))
    return parts


class InputBuilder:
    """Builds inputs of one GraphQL input type (`SeizureInput`) of a schema."""

    def __init__(self, schema: Any, input_class: type, *, date_format: str | None = None):
        self.schema = schema
        self.input_class = input_class
        name = input_class.__strawberry_definition__.name  # type: ignore[attr-defined]  # a strawberry input class carries its definition
        graphql_type = schema._schema.get_type(name)
        assert isinstance(graphql_type, GraphQLInputObjectType)
        self.type = graphql_type
        self.date_format = date_format
        self._routes: dict[str, Route] = {}
        self._classes: dict[str, tuple[type, list[Any]]] = {}
        self._converters: dict[tuple[int, str], Callable[[Any], Any]] = {}

    def build(self, values: MappingABC[str, Any], separator: str = ";") -> Any:
        """The strawberry input for `values` (input path -> cell value), or RowInvalid."""
        tree: dict[str, Any] = {}
        routes = self._routes
        for path, value in values.items():
            route = routes.get(path)
            if route is None:
                route = routes[path] = _route(split_path(path))
            steps, last = route
            node: Any = tree
            for part, indexed in steps:
                found = node.get(part)
                if found is None:
                    # A list is kept as {index: item} until read or `_compact`ed.
                    found = node[part] = _Indexed() if indexed else {}
                node = found
            node[last] = value
        try:
            return self._direct(tree, self.type, separator)  # reads `_Indexed` nodes as lists
        except _Refused:
            return self.from_tree(_compact(tree), separator)

    def from_tree(self, tree: Any, separator: str = ";") -> Any:
        """The strawberry input for a nested value as JSON carries it (camelCase names)."""
        try:
            return self._direct(tree, self.type, separator)
        except _Refused:
            pass  # the three passes below say exactly what is wrong
        errors: list[FieldError] = []
        prepared = self._prepare(tree, self.type, "", separator, errors)
        if errors:
            raise RowInvalid(errors)
        coerced = coerce_input_value(prepared, self.type)
        if coerced is Undefined:
            validate_input_value(
                prepared,
                self.type,
                lambda error, where: errors.append(
                    FieldError(_path_text(where), "INVALID_VALUE", error.message)
                ),
                True,
            )
            raise RowInvalid(errors or [FieldError("", "INVALID_VALUE", "not a valid record")])
        return self._instantiate(coerced, self.type)

    def _direct(self, value: Any, type_: GraphQLInputType, sep: str) -> Any:
        """`_prepare`, `coerce_input_value` and `_instantiate` in one walk, for values that
        pass: the same result (the same scalar and enum parsers, defaults, required fields)
        at a fraction of the cost (an import builds ~50 values a row), through a converter
        compiled once per input type. Anything unusual raises `_Refused`, and the row is built
        again the long way, whose errors name the field."""
        return self._converter(type_, sep)(value)

    def _converter(self, type_: GraphQLInputType, sep: str) -> Callable[[Any], Any]:
        key = (id(type_), sep)
        found = self._converters.get(key)
        if found is None:
            found = self._converters[key] = self._compile(type_, sep)
        return found

    def _compile(self, type_: GraphQLInputType, sep: str) -> Callable[[Any], Any]:
        if isinstance(type_, GraphQLNonNull):
            inner = self._compile(type_.of_type, sep)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise _Refused
                return inner(value)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._compile(type_.of_type, sep)

            def listed(value: Any) -> Any:
                if value is None:
                    return None
                if type(value) is _Indexed:
                    return [item(value[k]) for k in sorted(value)]
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(sep) if v.strip()]
                elif not isinstance(value, list):
                    value = [value]
                return [item(v) for v in value]

            return listed
        if isinstance(type_, GraphQLInputObjectType):
            return self._compile_object(type_, sep)
        if isinstance(type_, GraphQLEnumType):
            parse_enum = type_.coerce_input_value

            def enum(value: Any) -> Any:
                if value is None:
                    return None
                try:
                    parsed = parse_enum(str(value).strip().upper())
                except Exception:
                    raise _Refused from None
                if parsed is Undefined:
                    raise _Refused
                return parsed

            return enum
        assert isinstance(type_, GraphQLScalarType)
        parse, name, prepare = type_.coerce_input_value, type_.name, self._scalar
        # graphql-core's String and ID parsers hand a str back as it is, and so does `_scalar`:
        # most cells of a file are such text.
        text = parse in (GraphQLString.coerce_input_value, GraphQLID.coerce_input_value)

        def scalar(value: Any) -> Any:
            if value is None:
                return None
            if text and type(value) is str:
                return value
            try:
                parsed = parse(prepare(value, name))
            except Exception:
                raise _Refused from None
            if parsed is Undefined:
                raise _Refused
            return parsed

        return scalar

    def _compile_object(self, type_: GraphQLInputObjectType, sep: str) -> Callable[[Any], Any]:
        if type_.is_one_of or "out_type" in vars(type_):

            def long_way(_value: Any) -> Any:
                raise _Refused  # not built here: the long way handles them

            return long_way
        cls, fields = self._fields_of(type_)
        # Compiled on first use: a type met again while compiling is not compiled twice.
        converters: dict[str, tuple[str, Callable[[Any], Any]]] = {}
        required = frozenset(n for n in type_.fields if is_required_input_field(type_.fields[n]))
        defaults: list[tuple[str, str, Any]] = []  # fields with a default value: (name, ...)
        for name, python_name, field_type in fields:
            default = coerce_default_value(type_.fields[name])
            if name not in required and default is not Undefined:
                defaults.append((name, python_name, self._instantiate(default, field_type)))

        def convert(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict) or not required.issubset(value):
                raise _Refused
            if not converters:
                for name, python_name, field_type in fields:
                    converters[name] = (python_name, self._converter(field_type, sep))
            arguments = {}
            for name, item in value.items():
                found = converters.get(name)
                if found is None:
                    raise _Refused  # not a field of the input
                arguments[found[0]] = found[1](item)
            for name, python_name, default in defaults:
                if name not in value:  # a list or an object default is not shared by rows
                    arguments[python_name] = (
                        default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default)
                    )
            return cls(**arguments)

        return convert

    def _instantiate(self, value: Any, type_: GraphQLInputType) -> Any:
        """Coerced values -> the strawberry input classes (what strawberry's own
        `convert_argument` does, without resolving every field's annotation per value: that
        cost a row three milliseconds)."""
        if value is None:
            return None
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            return [self._instantiate(item, type_.of_type) for item in value]
        if isinstance(type_, GraphQLInputObjectType):
            cls, fields = self._fields_of(type_)
            return cls(
                **{
                    python_name: self._instantiate(value[name], field_type)
                    for name, python_name, field_type in fields
                    if name in value
                }
            )
        return value

    def _fields_of(self, type_: GraphQLInputObjectType) -> tuple[type, list[Any]]:
        found = self._classes.get(type_.name)
        if found is None:
            definition = type_.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            fields = [
                (
                    name,
                    field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].python_name,
                    field.type,
                )
                for name, field in type_.fields.items()
            ]
            found = self._classes[type_.name] = (definition.origin, fields)
        return found

    def _prepare(
        self, value: Any, type_: GraphQLInputType, path: str, sep: str, errors: list[FieldError]
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(sep) if v.strip()]
            elif not isinstance(value, list):
                value = [value]
            return [
                self._prepare(item, type_.of_type, f"{path}[{i}]", sep, errors)
                for i, item in enumerate(value)
            ]
        if isinstance(type_, GraphQLInputObjectType):
            if not isinstance(value, dict):
                errors.append(FieldError(path, "INVALID_VALUE", "expected the fields of an object"))
                return value
            out = {}
            for name, item in value.items():
                field = type_.fields.get(name)
                where = f"{path}.{name}" if path else name
                if field is None:
                    errors.append(FieldError(where, "UNKNOWN_FIELD", "not a field of the input"))
                    continue
                out[name] = self._prepare(item, field.type, where, sep, errors)
            return out
        if isinstance(type_, GraphQLEnumType):
            return str(value).strip().upper() if value is not None else value
        if isinstance(type_, GraphQLScalarType):
            try:
                return self._scalar(value, type_.name)
            except ValueError as exc:
                errors.append(FieldError(path, "INVALID_FORMAT", str(exc)))
        return value

    def _scalar(self, value: Any, name: str) -> Any:
        if name == "Date":
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            if self.date_format and isinstance(value, str):
                try:
                    return dt.datetime.strptime(value, self.date_format).date().isoformat()
                except ValueError:
                    raise ValueError(
                        f"{value!r} is not a date written as {self.date_format}"
                    ) from None
            return str(value)
        if name == "Time":
            if isinstance(value, (dt.time, dt.datetime)):
                return value.strftime("%H:%M:%S")
            return str(value)
        if name == "Int":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and value.lstrip("-").isdigit():
                return int(value)
            return value
        if name in ("Decimal", "Float"):
            if isinstance(value, float):
                return str(Decimal(repr(value))) if name == "Decimal" else value
            if isinstance(value, int):
                return str(value) if name == "Decimal" else float(value)
            if name == "Float" and isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise ValueError(f"{value!r} is not a number") from None
            return str(value)
        if name in ("String", "ID"):
            if isinstance(value, float) and value.is_integer():
                return str(int(value))  # a spreadsheet's number typed as a code: "12345"
            if isinstance(value, (dt.date, dt.time)):
                return value.isoformat()
            return str(value)
        return value


class _Indexed(dict[int, Any]):
    """The items of a list placed by index ({0: a, 2: b}): read as [a, b] (indices keep their
    order; gaps close) by the direct walk, turned into that list by `_compact`."""


# Where `build` places a value: the nodes on its way (part, whether that node is a list, i.e.
# the next part an index), then the part it is stored under.
Route = tuple[tuple[tuple[str | int, bool], ...], str | int]


def _route(parts: list[str | int]) -> Route:
    steps = tuple((part, isinstance(parts[i + 1], int)) for i, part in enumerate(parts[:-1]))
    return steps, parts[-1]


def _compact(node: Any) -> Any:
    """The tree with its `_Indexed` nodes as lists: what JSON would carry."""
    if type(node) is _Indexed:
        return [_compact(node[k]) for k in sorted(node)]
    if isinstance(node, dict):
        return {k: _compact(v) for k, v in node.items()}
    return node


def _path_text(where: Any) -> str:
    text = ""
    for part in where or ():
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
