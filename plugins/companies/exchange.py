"""What companies declare for data exchange: flat columns (two identifiers, one address, one
contact), `companies.export` for the nominal ones (names, identifiers, street addresses,
contacts, assessment notes), and how an export reads them. Core does the work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.exchange.declaration import (
    Column,
    ExchangeType,
    child_column,
    field_column,
    list_column,
)
from core.gql.context import Principal
from plugins.companies import access, loaders
from plugins.companies.models import (
    BusinessAddress,
    BusinessContact,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)
from plugins.companies.queries import CompanyFilter, apply_filter

EXPORT = "companies.export"


def _columns() -> list[Column]:
    own = ("legal_name", "country", "legal_form", "legal_status", "incorporated_on")
    columns = [field_column(Company, "status", importable=False)]
    columns += [field_column(Company, name) for name in own]
    columns += [
        field_column(Company, "dissolved_on"),
        list_column("trade_names", CompanyTradeName, "name"),
    ]
    for i in range(2):
        columns += [
            child_column("identifiers", i, RegistrationId, n)
            for n in ("scheme", "value", "country")
        ]
    address = ("kind", "street", "postcode", "city", "region", "country")
    columns += [child_column("addresses", 0, BusinessAddress, n) for n in address]
    columns += [child_column("contacts", 0, BusinessContact, n) for n in ("kind", "value", "note")]
    columns += [
        list_column("roles", TradeRole, "code"),
        list_column("hs_chapters", TradedChapter, "chapter"),
        field_column(Company, "aeo_status", "aeo.status"),
        field_column(Company, "aeo_certificate", "aeo.certificate"),
        field_column(Company, "assessment_notes"),
    ]
    return columns


async def read_chunk(
    session: AsyncSession, principal: Principal, filter: Any, after: int, limit: int
) -> list[Any]:
    query = select(Company).where(access.visible_filter(principal), Company.id > after)
    query = apply_filter(query, filter).order_by(Company.id).limit(limit)
    return list((await session.scalars(loaders.with_children(query))).all())


EXCHANGE = ExchangeType(
    record_type="Company",
    module="companies",
    columns=_columns(),
    export_permission=EXPORT,
    read_chunk=read_chunk,
    filter_input=CompanyFilter,
)
