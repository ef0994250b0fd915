"""Statistics for charts: counts of records and sums of normalised quantities, grouped.

Quantities are summed by unit class after conversion to one unit (UN/ECE Recommendation 20
codes): kilograms, litres, pieces; quantities in other units are left out of the sums. One SQL
statement, grouped in the database; the records counted are those the caller may see (the
module's visibility rule), validated ones only unless asked otherwise, and the module's list
filter applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    literal_column,
    select,
)

from core.exchange.declaration import Dimension, ExchangeType
from core.exchange.reading import validated, visible
from core.gql.errors import InputError, PermissionDeniedError
from core.records.registry import record_registry

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

# Unit code -> factor to the class's unit.
MASS_KG = {"KGM": "1", "GRM": "0.001", "MGM": "0.000001", "TNE": "1000"}
VOLUME_L = {"LTR": "1", "MLT": "0.001", "MTQ": "1000"}
PIECES = {"H87": "1", "NAR": "1", "PR": "2", "DZN": "12", "MIL": "1000"}
MEASURES: dict[str, dict[str, str] | None] = {
    "records": None,
    "mass_kg": MASS_KG,
    "volume_l": VOLUME_L,
    "pieces": PIECES,
}
PERIODS = ("year", "quarter", "month")
MAX_GROUPS = 3


@dataclass(frozen=True)
class Bucket:
    keys: tuple[str | None, ...]
    value: float


def period_key(period: str, date: Any, dialect: str) -> ColumnElement[Any]:
    """`2026`, `2026-Q1`, `2026-03`: sortable text keys, the same on both engines. SQLite keeps
    dates as ISO text, so its keys are prefixes (a third cheaper than `strftime`)."""
    if dialect == "postgresql":
        pattern = {"year": "YYYY", "quarter": 'YYYY-"Q"Q', "month": "YYYY-MM"}[period]
        return func.to_char(date, pattern)
    if period == "quarter":
        month = func.cast(func.substr(date, 6, 2), Integer())
        return func.substr(date, 1, 4) + "-Q" + func.cast((month + 2) // 3, String())
    return func.substr(date, 1, 4 if period == "year" else 7)


def dimension_names(xt: ExchangeType) -> list[str]:
    assert xt.statistics is not None
    return [*PERIODS, *(d.name for d in xt.statistics.dimensions)]


async def statistics(
    instance: Instance,
    principal: Principal,
    xt: ExchangeType,
    *,
    measure: str = "records",
    group_by: list[str] | tuple[str, ...] = (),
    filter: Any = None,
    include_unvalidated: bool = False,
) -> list[Bucket]:
    spec = xt.statistics
    if spec is None:
        raise InputError(f"module {xt.module!r} has no statistics", field="module")
    rt = record_registry(instance).by_name[xt.record_type]
    if not principal.can(rt.view_permission):
        raise PermissionDeniedError(f"{rt.view_permission} is required", field="statistics")
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}", field="measure")
    if MEASURES[measure] is not None and spec.quantity is None:
        raise InputError(f"module {xt.module!r} has no quantities: count RECORDS", field="measure")
    if len(group_by) > MAX_GROUPS or len(set(group_by)) != len(group_by):
        raise InputError(f"group by at most {MAX_GROUPS} different dimensions", field="groupBy")
    dimensions = {d.name: d for d in spec.dimensions}
    dialect = instance.db.engine.dialect.name
    keys: list[ColumnElement[Any]] = []
    joins: list[tuple[Any, Any]] = []
    for index, name in enumerate(group_by):
        if name in PERIODS:
            keys.append(period_key(name, spec.date, dialect).label(f"k{index}"))
            continue
        dimension: Dimension | None = dimensions.get(name)
        if dimension is None:
            known = ", ".join(dimension_names(xt))
            raise InputError(f"cannot group by {name!r} (one of: {known})", field="groupBy")
        if dimension.nominal and not principal.can(xt.export_permission):
            raise PermissionDeniedError(
                f"grouping by {name!r} (personal data) needs {xt.export_permission}",
                field="groupBy",
            )
        keys.append(dimension.expression(dialect).label(f"k{index}"))
        joins += list(dimension.joins)
    base: Any = rt.model.__table__  # type: ignore[attr-defined]  # record models are mapped classes
    factors = MEASURES[measure]
    if factors is None:
        value: ColumnElement[Any] = func.count(distinct(base.c.id)) if joins else func.count()
    else:
        joins += list(spec.quantity_joins)
        factor = case({unit: literal(Decimal(f)) for unit, f in factors.items()}, value=spec.unit)
        value = func.coalesce(func.sum(spec.quantity * factor), 0)
    query = select(*keys, value.label("value")).select_from(_joined(base, joins, factors))
    scope = visible(rt, principal)
    only_validated = spec.validated if spec.validated is not None else validated(rt)
    if not include_unvalidated and only_validated is not None:
        scope = and_(scope, only_validated)
    if dialect == "sqlite":
        # Most records are visible and validated: tell the planner so, or it reads them one by
        # one through the status index instead of scanning the table (5x slower).
        scope = func.likelihood(scope, literal_column("0.9"))
    query = query.where(scope)
    if factors is not None:
        query = query.where(spec.unit.in_(list(factors)))
    if filter is not None and xt.apply_filter is not None:
        query = xt.apply_filter(query, filter)
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    async with instance.db.session() as session:
        rows = (await session.execute(query)).all()
    return [
        Bucket(tuple(None if k is None else str(k) for k in row[:-1]), float(row[-1] or 0))
        for row in rows
    ]


def _joined(base: Any, joins: list[tuple[Any, Any]], factors: Any) -> Any:
    """The base table joined once to each table the dimensions and the measure need (outer
    joins for dimensions: a record without goods counts under a null commodity)."""
    source = base
    seen: set[int] = set()
    for table, condition in joins:
        if id(table) in seen:
            continue
        seen.add(id(table))
        source = source.outerjoin(table, condition)
    return source
