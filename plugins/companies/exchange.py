"""What companies declare for data exchange: flat columns (two identifiers, one address, one
contact), `companies.export` for the nominal ones (names, identifiers, street addresses,
contacts, assessment notes), and what statistics group by. Core does the work, reading
records as the record type says."""

from __future__ import annotations

from core.exchange.declaration import (
    Column,
    ExchangeType,
    Statistics,
    child_column,
    child_dimension,
    column_dimension,
    field_column,
    list_column,
)
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


STATISTICS = Statistics(
    date=Company.created_at,  # when the company was recorded
    dimensions=(
        column_dimension("country", Company.country),
        column_dimension("legalForm", Company.legal_form),
        column_dimension("legalStatus", Company.legal_status),
        column_dimension("aeoStatus", Company.aeo_status),
        child_dimension("role", TradeRole.code, TradeRole.company_id),
        child_dimension("hsChapter", TradedChapter.chapter, TradedChapter.company_id),
    ),
)

EXCHANGE = ExchangeType(
    record_type="Company",
    module="companies",
    columns=_columns(),
    export_permission=EXPORT,
    filter_input=CompanyFilter,
    apply_filter=apply_filter,
    statistics=STATISTICS,
)
