"""The company record type: what core's lifecycle needs to know about companies.

Create, update, the submit -> validate/return workflow, delete, versions, audit, search updates
and record events are core's (`core.records`); this says how a company input is checked and
stored, and what a company must hold on every save and before submission.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select

from core.gql.errors import InputError
from core.instance import Instance
from core.matching import Profile
from core.records import (
    DuplicateHint,
    RecordType,
    Requirement,
    WriteContext,
    child_rows,
    copy_given,
    given,
)
from core.search import SearchDocument
from plugins.companies import access, matching
from plugins.companies.identifiers import name_key
from plugins.companies.inputs import CompanyInput
from plugins.companies.loaders import with_children
from plugins.companies.models import (
    BusinessAddress,
    BusinessContact,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)
from plugins.companies.validation import validate_input

_SCALARS = (
    "legal_name",
    "country",
    "legal_form",
    "legal_status",
    "incorporated_on",
    "dissolved_on",
    "assessment_notes",
)


class CompanyRecord(RecordType[Company, CompanyInput]):
    name, module, noun = "Company", "companies", "company"
    model, input, output = Company, CompanyInput, "plugins.companies.types:Company"
    workflow = access.WORKFLOW
    collections = {
        name: name
        for name in ("trade_names", "identifiers", "addresses", "contacts", "roles", "hs_chapters")
    }
    requirements = (
        Requirement(
            "legalName", lambda c: bool(c.legal_name), "the legal name is required", on_save=True
        ),
        Requirement(
            "country",
            lambda c: bool(c.country),
            "the country of registration is required",
            on_save=True,
        ),
        Requirement("identifiers", lambda c: bool(c.identifiers or c.addresses)),
        Requirement("roles", lambda c: bool(c.roles)),
    )
    descriptions = {
        "create": "Create a draft company (legal name and country of registration are enough); "
        "ask for its `possibleDuplicates` in the same response."
    }

    def load(self, query: Select[Any]) -> Select[Any]:
        return with_children(query)

    async def validate(self, ctx: WriteContext, data: CompanyInput, record: Company | None) -> None:
        await validate_input(ctx.session, data, record.country if record else None)

    def apply(self, company: Company, data: CompanyInput) -> None:
        copy_given(company, data, _SCALARS)
        if given(data.legal_name) and data.legal_name:
            company.name_key = name_key(data.legal_name)
        if given(data.trade_names):
            company.trade_names = [
                CompanyTradeName(position=i, name=name, name_key=name_key(name))
                for i, name in enumerate(data.trade_names or [])
            ]
        if given(data.identifiers):
            company.identifiers = child_rows(RegistrationId, data.identifiers)
        if given(data.addresses):
            company.addresses = child_rows(BusinessAddress, data.addresses)
        if given(data.contacts):
            company.contacts = child_rows(BusinessContact, data.contacts)
        if given(data.roles):
            company.roles = [TradeRole(code=code) for code in data.roles or []]
        if given(data.hs_chapters):
            company.hs_chapters = [TradedChapter(chapter=c) for c in data.hs_chapters or []]
        if given(data.aeo):
            company.aeo_status = data.aeo.status if data.aeo else None
            company.aeo_certificate = data.aeo.certificate if data.aeo else None

    def check(self, company: Company) -> None:
        if company.incorporated_on and company.incorporated_on > dt.date.today():
            raise InputError("the date of incorporation is in the future", field="incorporatedOn")
        if (
            company.incorporated_on
            and company.dissolved_on
            and company.dissolved_on < company.incorporated_on
        ):
            raise InputError("dissolved before it was incorporated", field="dissolvedOn")

    def incomplete_message(self, company: Company, missing: Any) -> str:
        return (
            "a company is submitted with a registration identifier or an address, and its "
            f"roles in trade; missing: {', '.join(missing)}"
        )

    def search_document(self, instance: Instance, company: Company) -> SearchDocument:
        from plugins.companies.search import document

        return document(company)

    async def duplicate_hints(self, ctx: WriteContext, company: Company) -> list[DuplicateHint]:
        """Visible companies with the same registration identifier or a similar name."""
        from plugins.companies.duplicates import find_duplicates

        found = await find_duplicates(ctx.session, [company], ctx.principal)
        return [
            DuplicateHint(
                m.company_id,
                100.0 if m.same_identifiers else round((m.name_similarity or 0.0) * 100, 1),
                (*m.same_identifiers, *(("name",) if m.name_similarity else ())),
            )
            for m in found.get(company.id, [])
        ]

    match_children = ("trade_names", "identifiers", "addresses", "contacts")

    def match_profile(self, company: Company) -> Profile:
        return matching.profile_of(company)


RECORD = CompanyRecord()
