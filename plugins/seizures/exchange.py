"""What seizures declare for data exchange: their flat columns, who may export nominal fields,
how an export reads them, and what statistics group by. Core does the work (core/exchange)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession

from core.exchange.declaration import (
    Column,
    Dimension,
    ExchangeType,
    Statistics,
    child_column,
    field_column,
    list_column,
)
from core.gql.context import Principal
from plugins.seizures import access, loaders
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


async def read_chunk(
    session: AsyncSession, principal: Principal, filter: Any, after: int, limit: int
) -> list[Any]:
    """Cases the principal may see, matching the list filter, by id after `after`."""
    query = loaders.page_query().where(access.visible_filter(principal), Case.id > after)
    query = apply_filter(query, filter).order_by(Case.id).limit(limit)
    return await loaders.read_cases(session, query)


def _route(role: str) -> Dimension:
    leg = RouteLeg.__table__.alias(f"route_{role}")
    return Dimension(
        f"{role}Country",
        lambda _dialect: leg.c.country,
        joins=((leg, and_(leg.c.case_id == Case.id, leg.c.role == role)),),
    )


def _plain(name: str, column: Any) -> Dimension:
    return Dimension(name, lambda _dialect: column)


STATISTICS = Statistics(
    base=Case.__table__,
    date=Case.seizure_date,
    status=Case.status,
    validated=Case.status == "validated",
    visible=access.visible_filter,
    dimensions=(
        _plain("area", Case.area),
        _plain("detectionMethod", Case.detection_method),
        _plain("transportMode", Case.transport_mode),
        _plain("concealmentMethod", Case.concealment_method),
        _plain("placeCountry", Case.place_country),
        Dimension(
            "commodity",
            lambda _dialect: GoodsLine.commodity,
            joins=((GoodsLine.__table__, GoodsLine.case_id == Case.id),),
        ),
        _route("origin"),
        _route("transit"),
        _route("destination"),
    ),
    quantity=GoodsLine.quantity,
    unit=GoodsLine.unit,
    quantity_joins=((GoodsLine.__table__, GoodsLine.case_id == Case.id),),
    filter=lambda query, given: apply_filter(query, given),
)

EXCHANGE = ExchangeType(
    record_type="Seizure",
    module="seizures",
    columns=_columns(),
    export_permission=EXPORT,
    read_chunk=read_chunk,
    filter_input=SeizureFilter,
    statistics=STATISTICS,
)
