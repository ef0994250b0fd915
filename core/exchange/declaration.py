"""What a module declares for data exchange; core's importer, exporter, bulk upsert and
statistics do the work once, for every module.

    ExchangeType(
        record_type="Seizure", module="seizures", export_permission="seizures.export",
        columns=(Column("seizureDate", get=lambda c: c.seizure_date, column=Case.seizure_date),
                 ...),
        source=ExportSource(...), statistics=Statistics(...),
    )

A column is named by the GraphQL input path it fills (`place.country`, `goods[0].quantity`):
the header `ncen export` writes is the field an import fills, so an export imports back with
the default mapping. Whether a column is nominal is read from its model column's tag
(`core.db.NOMINAL`), never restated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.db import is_nominal

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, FromClause
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.gql.context import Principal


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

    @property
    def nominal(self) -> bool:
        columns = self.column if isinstance(self.column, (list, tuple)) else [self.column]
        return any(c is not None and is_nominal(c) for c in columns)


# Reads records for an export: (session, principal, filter, after_id, limit) -> rows ordered by
# id, the id of each row as `.id`; visibility rules applied by the module.
ReadChunk = Callable[["AsyncSession", "Principal", Any, int, int], Any]


@dataclass(frozen=True)
class Dimension:
    """A way to group statistics: the SQL expression of the group key and the joins it needs.
    `expression` takes the dialect name (period keys are written per engine)."""

    name: str
    expression: Callable[[str], ColumnElement[Any]]
    joins: Sequence[tuple[FromClause, Any]] = ()


@dataclass(frozen=True)
class Statistics:
    """What `statistics(module: ...)` counts and sums over the module's records.

    `base` is the record table; `quantity`, `unit` and `quantity_joins` locate the quantities
    summed by unit class (kilograms, litres, pieces); `visible(principal)` is the SQL condition
    of the records a caller may see; `validated` the condition of validated records."""

    base: Any
    date: Any
    dimensions: Sequence[Dimension]
    visible: Callable[[Principal], ColumnElement[bool]]
    validated: ColumnElement[bool] | None = None
    status: Any = None
    quantity: Any = None
    unit: Any = None
    quantity_joins: Sequence[tuple[FromClause, Any]] = ()
    filter: Callable[[Any, Any], Any] | None = None  # (select, filter input) -> select


@dataclass(frozen=True)
class ExchangeType:
    """A record type that can be imported, upserted in bulk, exported and counted."""

    record_type: str  # RecordType.name (`Seizure`)
    module: str
    columns: Sequence[Column]
    export_permission: str
    read_chunk: ReadChunk
    # The strawberry input of the module's list filter (`SeizureFilter`), for `--filter` JSON.
    filter_input: type | None = None
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
        lambda record: getattr(record, attribute),
        getattr(model, attribute),
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
    return Column(name, get, getattr(model, attribute))


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
