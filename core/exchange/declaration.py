"""What a module declares for data exchange; core's importer, exporter, bulk upsert and
statistics do the work once, for every module.

    ExchangeType(
        record_type="Seizure", module="seizures", export_permission="seizures.export",
        columns=(Column("seizureDate", get=lambda c: c.seizure_date, column=Case.seizure_date),
                 ...),
        filter_input=SeizureFilter, apply_filter=apply_filter,
        statistics=Statistics(date=Case.seizure_date, dimensions=(...)),
    )

A column is named by the GraphQL input path it fills (`place.country`, `goods[0].quantity`):
the header `ncen export` writes is the field an import fills, so an export imports back with
the default mapping. Whether a column is nominal is read from its model column's tag
(`core.db.NOMINAL`), never restated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from core.db import is_nominal

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, FromClause, Select
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Column:
    """One column of a flat file: `name` is the input path an import fills (None `field` for
    read-only columns such as `reference`); `get` reads the value from a stored record."""

    name: str
    get: Callable[[Any], Any]
    column: Any = None  # the model column (or a list of them) the value comes from
    importable: bool = True
    # Several values in one cell (`riskIndicators`: "a;b"), split on import, joined on export.
    multiple: bool = False
    # Where `get` reads (set by the helpers below): an attribute of the record, or of its
    # `index`-th child in `collection`. Exports read runs of them with one attrgetter.
    attribute: str | None = None
    collection: str | None = None
    index: int = 0

    @property
    def nominal(self) -> bool:
        columns = self.column if isinstance(self.column, (list, tuple)) else [self.column]
        return any(c is not None and is_nominal(c) for c in columns)


@dataclass(frozen=True)
class Reader:
    """How an export reads records, when a module has a faster way than the ORM rows its
    record type loads (seizures: plain rows, `loaders.read_cases`). `query()` starts the
    statement (core adds visibility, the list filter, the chunk's id range, order and limit);
    `read(session, query)` returns the rows, each with its `id`."""

    query: Callable[[], Select[Any]]
    read: Callable[[AsyncSession, Select[Any]], Awaitable[Sequence[Any]]]


@dataclass(frozen=True)
class Dimension:
    """A way to group statistics: the SQL expression of the group key and the joins it needs.
    `expression` takes the dialect name (period keys are written per engine). `columns` are
    the model columns the key is read from: grouping by a nominal one (`NOMINAL` tag) needs
    the module's export permission, as exporting it does."""

    name: str
    expression: Callable[[str], ColumnElement[Any]]
    joins: Sequence[tuple[FromClause, Any]] = ()
    columns: Sequence[Any] = ()

    @property
    def nominal(self) -> bool:
        return any(is_nominal(c) for c in self.columns)


def column_dimension(name: str, column: Any) -> Dimension:
    """Group by a column of the record's own table: `column_dimension("area", Case.area)`."""
    return Dimension(name, lambda _dialect: column, columns=(column,))


def child_dimension(name: str, column: Any, parent_id: Any) -> Dimension:
    """Group by a column of a child table, joined by its key to the record: a record with two
    children of different values counts once under each. `child_dimension("commodity",
    GoodsLine.commodity, GoodsLine.case_id)`."""
    [foreign_key] = parent_id.property.columns[0].foreign_keys  # to the record's id
    join = (column.class_.__table__, parent_id == foreign_key.column)
    return Dimension(name, lambda _dialect: column, joins=(join,), columns=(column,))


@dataclass(frozen=True)
class Statistics:
    """What `statistics(module: ...)` counts and sums over the module's records; core reads
    the rest from the record type (its table, who may see which record, validated records:
    `status = 'validated'` with a workflow) and the exchange type (its list filter).

    `date` is the column periods (year, quarter, month) are read from; `quantity`, `unit`
    and `quantity_joins` locate quantities summed by unit class (kilograms, litres, pieces),
    for modules that have them (others count records only)."""

    date: Any
    dimensions: Sequence[Dimension]
    quantity: Any = None
    unit: Any = None
    quantity_joins: Sequence[tuple[FromClause, Any]] = ()
    validated: ColumnElement[bool] | None = None  # the default is the workflow's


@dataclass(frozen=True)
class ExchangeType:
    """A record type that can be imported, upserted in bulk, exported and counted. Core
    reads records for exports and statistics from the record type (visibility, its table,
    what a full record loads) and the list filter declared here."""

    record_type: str  # RecordType.name (`Seizure`)
    module: str
    columns: Sequence[Column]
    export_permission: str
    # The module's list filter: its strawberry input (`SeizureFilter`, for `--filter` JSON)
    # and the function applying it to a query on the record's table.
    filter_input: type | None = None
    apply_filter: Callable[[Any, Any], Any] | None = None
    reader: Reader | None = None  # a faster read for exports than the record type's rows
    statistics: Statistics | None = None
    # Default values of a new record's input when the file does not say (`form`).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    list_separator: str = ";"

    def export_columns(self, nominal: bool) -> list[Column]:
        return [c for c in self.columns if nominal or not c.nominal]

    @property
    def importable(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns if c.importable}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def field_column(model: type, attribute: str, path: str | None = None, **options: Any) -> Column:
    """A column of the record's own table: `field_column(Case, "place_country",
    "place.country")`; the path defaults to the attribute in camelCase."""
    return Column(
        path or camel(attribute),
        attrgetter(attribute),
        getattr(model, attribute),
        attribute=attribute,
        **options,
    )


def child_column(
    collection: str, index: int, model: type, attribute: str, input_name: str | None = None
) -> Column:
    """One field of the `index`-th row of a child list: `goods[0].quantity`."""

    def get(record: Any) -> Any:
        children = getattr(record, collection)
        return getattr(children[index], attribute) if len(children) > index else None

    name = f"{camel(collection)}[{index}].{input_name or camel(attribute)}"
    return Column(
        name,
        get,
        getattr(model, attribute),
        attribute=attribute,
        collection=collection,
        index=index,
    )


def list_column(
    collection: str, model: type, attribute: str, path: str | None = None, **options: Any
) -> Column:
    """A child list of single values in one cell (`riskIndicators`: "a;b")."""
    return Column(
        path or camel(collection),
        lambda record: [getattr(child, attribute) for child in getattr(record, collection)],
        getattr(model, attribute),
        multiple=True,
        **options,
    )
