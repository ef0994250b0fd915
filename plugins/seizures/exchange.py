"""What seizures declare for data exchange: their flat columns, who may export nominal fields,
a faster read for exports than ORM rows, and what statistics group by and sum. Core does the
work (core/exchange)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_

from core.exchange.declaration import (
    Column,
    Dimension,
    ExchangeType,
    Reader,
    Statistics,
    child_column,
    child_dimension,
    column_dimension,
    field_column,
    list_column,
)
from plugins.seizures import loaders
from plugins.seizures.models import (
    Case,
    Container,
    GoodsLine,
    OffenderSummary,
    RiskIndicator,
    RouteLeg,
)
from plugins.seizures.queries import SeizureFilter, apply_filter

GOODS_LINES = 3  # goods[0] .. goods[2] in a flat file
ROUTE_LEGS = 3
EXPORT = "seizures.export"


def _case(attribute: str, path: str | None = None, **options: Any) -> Column:
    return field_column(Case, attribute, path, **options)


def _columns() -> list[Column]:
    columns = [
        _case("reference", importable=False),
        _case("status", importable=False),
        _case("national_case_number"),
        _case("form"),
        _case("seizure_date"),
        _case("seizure_time"),
        _case("reporting_office"),
        _case("place_country", "place.country"),
        _case("place_code", "place.code"),
        _case("place_name", "place.name"),
        _case("location_type", "place.locationType"),
        _case("direction"),
        _case("area"),
        _case("offence_type"),
        _case("detection_method"),
        list_column("risk_indicators", RiskIndicator, "code"),
        _case("concealment_method", "concealment.method"),
        _case("concealment_description", "concealment.description"),
        _case("transport_mode", "conveyance.transportMode"),
        _case("conveyance_type", "conveyance.type"),
        _case("conveyance_identifier", "conveyance.identifier"),
        _case("vessel_imo", "conveyance.vesselImo"),
        _case("conveyance_country", "conveyance.country"),
        list_column("containers", Container, "number", "conveyance.containers"),
    ]
    goods = ("commodity", "hs_code", "description", "brand", "quantity", "unit", "pieces")
    goods += ("value", "currency")
    for i in range(GOODS_LINES):
        columns += [child_column("goods", i, GoodsLine, name) for name in goods]
    for i in range(ROUTE_LEGS):
        columns += [
            child_column("route", i, RouteLeg, n) for n in ("role", "country", "place", "date")
        ]
    offender = ("count", "nationality", "gender", "age_band", "role")
    columns += [child_column("offenders", 0, OffenderSummary, name) for name in offender]
    columns += [_case("narrative"), _case("internal_notes")]
    return columns


def _route(role: str) -> Dimension:
    """A route country by its leg's role: each role joins its own alias of the legs."""
    leg = RouteLeg.__table__.alias(f"route_{role}")
    return Dimension(
        f"{role}Country",
        lambda _dialect: leg.c.country,
        joins=((leg, and_(leg.c.case_id == Case.id, leg.c.role == role)),),
        columns=(RouteLeg.country,),
    )


STATISTICS = Statistics(
    date=Case.seizure_date,
    dimensions=(
        column_dimension("area", Case.area),
        column_dimension("detectionMethod", Case.detection_method),
        column_dimension("transportMode", Case.transport_mode),
        column_dimension("concealmentMethod", Case.concealment_method),
        column_dimension("placeCountry", Case.place_country),
        child_dimension("commodity", GoodsLine.commodity, GoodsLine.case_id),
        _route("origin"),
        _route("transit"),
        _route("destination"),
    ),
    quantity=GoodsLine.quantity,
    unit=GoodsLine.unit,
    quantity_joins=((GoodsLine.__table__, GoodsLine.case_id == Case.id),),
)

EXCHANGE = ExchangeType(
    record_type="Seizure",
    module="seizures",
    columns=_columns(),
    export_permission=EXPORT,
    filter_input=SeizureFilter,
    apply_filter=apply_filter,
    # Plain rows read with Core, as lists read them: a third of the ORM's cost per record.
    reader=Reader(loaders.page_query, loaders.read_cases),
    statistics=STATISTICS,
)
