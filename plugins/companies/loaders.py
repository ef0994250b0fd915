"""Per-request DataLoaders: a list of N companies costs a constant number of SQL statements."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Select, Table
from strawberry.dataloader import DataLoader

from core.gql.context import Context
from core.gql.selection import relation_options, rows_loader
from core.records.page_reads import Child, PageReads
from plugins.companies.models import (
    BusinessAddress,
    BusinessContact,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)

ENTITY = "Company"


RELATIONS = ("trade_names", "identifiers", "addresses", "contacts", "roles", "hs_chapters")
# GraphQL fields of a company -> the child collections they are served from.
FIELD_CHILDREN: dict[str, tuple[str, ...]] = {
    "tradeNames": ("trade_names",),
    "identifiers": ("identifiers",),
    "addresses": ("addresses",),
    "contacts": ("contacts",),
    "roles": ("roles",),
    "hsChapters": ("hs_chapters",),
    # Duplicates are found from the identifiers and names of the company.
    "possibleDuplicates": RELATIONS,
}


class CompanyRecord(SimpleNamespace):
    """A company read with Core for a list page: the columns of `companies_company` the
    selection serves (the others None) and its child rows, under the attribute names of the ORM
    `Company`, so that `Company.from_row` and access checks take either."""


COMPANY_TABLE: Table = Company.__table__  # type: ignore[assignment]
CHILDREN: dict[str, Child] = {
    "trade_names": Child(CompanyTradeName.__table__, "company_id", "position"),  # type: ignore[arg-type]
    "identifiers": Child(RegistrationId.__table__, "company_id", "position"),  # type: ignore[arg-type]
    "addresses": Child(BusinessAddress.__table__, "company_id", "position"),  # type: ignore[arg-type]
    "contacts": Child(BusinessContact.__table__, "company_id", "position"),  # type: ignore[arg-type]
    "roles": Child(TradeRole.__table__, "company_id", "code"),  # type: ignore[arg-type]
    "hs_chapters": Child(TradedChapter.__table__, "company_id", "chapter"),  # type: ignore[arg-type]
}
# GraphQL fields of a company -> the columns of `companies_company` they are served from; any
# other field (possible duplicates, the Record interface's) reads every column.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "status": ("status",),
    "version": ("version",),
    "legalName": ("legal_name",),
    "tradeNames": (),
    "country": ("country",),
    "legalForm": ("legal_form",),
    "legalStatus": ("legal_status",),
    "incorporatedOn": ("incorporated_on",),
    "dissolvedOn": ("dissolved_on",),
    "identifiers": (),
    "addresses": (),
    "contacts": (),
    "roles": (),
    "aeo": ("aeo_status", "aeo_certificate"),
    "hsChapters": (),
    "assessmentNotes": ("assessment_notes",),
    "createdAt": ("created_at",),
    "updatedAt": ("updated_at",),
    "submittedAt": ("submitted_at",),
    "validatedAt": ("validated_at",),
    "extra": ("extra",),
}
PAGE = PageReads(COMPANY_TABLE, CompanyRecord, CHILDREN, FIELD_COLUMNS)


def with_children(
    query: Select[tuple[Company]], wanted: frozenset[str] | None = None
) -> Select[tuple[Company]]:
    """Load the child collections (all, or the `wanted` ones; the others stay empty) in one
    extra statement each, whatever the number of rows."""
    return query.options(*relation_options(Company, RELATIONS, wanted))


company_loader = rows_loader(Company, RELATIONS, FIELD_CHILDREN)


def companies(context: Context) -> DataLoader[int, Company | None]:
    return context.loader("companies.company", company_loader)
