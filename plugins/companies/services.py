"""Domain rules of the companies database: create, update, workflow transitions and deletion.

Each function runs inside the caller's write transaction and writes the company, its audit event
and its search outbox row together, so they commit or vanish as one. The workflow is the one of
every ncen database: draft -> submitted -> validated, or returned to the author with a comment;
a validated record edited (with a reason) goes back to submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.forms import validate_extra
from core.gql.context import Principal
from core.gql.errors import InputError, NotFoundError
from core.instance import instance_of
from core.search.events import enqueue_delete
from core.workflow import require, user_id
from plugins.companies import access
from plugins.companies.identifiers import name_key
from plugins.companies.inputs import CompanyInput
from plugins.companies.loaders import ENTITY, with_children
from plugins.companies.models import (
    BusinessAddress,
    BusinessContact,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)
from plugins.companies.validation import given, validate_input

WORKFLOW = access.WORKFLOW
_LISTS = ("trade_names", "identifiers", "addresses", "contacts", "roles", "hs_chapters")


async def load_company(session: AsyncSession, company_id: int, *, lock: bool = True) -> Company:
    query = with_children(select(Company).where(Company.id == company_id))
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=Company)
    company = await session.scalar(query)
    if company is None:
        raise NotFoundError("no such company", field="id")
    return company


def _snapshot(company: Company) -> dict[str, Any]:
    """Comparable content of a company, to name the fields an update changed."""
    columns = {c.key: getattr(company, c.key) for c in Company.__table__.columns}
    for ignored in ("id", "version", "created_at", "updated_at", "status", "name_key"):
        columns.pop(ignored, None)
    columns["trade_names"] = [t.name for t in company.trade_names]
    columns["identifiers"] = [(i.scheme, i.country, i.value) for i in company.identifiers]
    columns["addresses"] = [
        (a.kind, a.street, a.postcode, a.city, a.region, a.country) for a in company.addresses
    ]
    columns["contacts"] = [(c.kind, c.value, c.note) for c in company.contacts]
    columns["roles"] = sorted(r.code for r in company.roles)
    columns["hs_chapters"] = sorted(h.chapter for h in company.hs_chapters)
    return columns


async def _clear_replaced_lists(
    session: AsyncSession, company: Company, data: CompanyInput
) -> None:
    """Delete the children a list input replaces before the new ones are inserted (positions
    are unique per company, and the ORM would insert new rows before deleting orphans)."""
    replaced = [name for name in _LISTS if given(getattr(data, name))]
    if company.id is None or not replaced:
        return
    for name in replaced:
        getattr(company, name).clear()
    await session.flush()


def _apply(company: Company, data: CompanyInput) -> None:
    scalars = (
        "legal_name",
        "country",
        "legal_form",
        "legal_status",
        "incorporated_on",
        "dissolved_on",
        "assessment_notes",
    )
    for name in scalars:
        value = getattr(data, name)
        if given(value):
            setattr(company, name, value)
    if given(data.legal_name) and data.legal_name:
        company.name_key = name_key(data.legal_name)
    if given(data.trade_names):
        company.trade_names = [
            CompanyTradeName(position=i, name=name, name_key=name_key(name))
            for i, name in enumerate(data.trade_names or [])
        ]
    if given(data.identifiers):
        company.identifiers = [
            RegistrationId(position=i, scheme=x.scheme, country=x.country, value=x.value)
            for i, x in enumerate(data.identifiers or [])
        ]
    if given(data.addresses):
        company.addresses = [
            BusinessAddress(
                position=i,
                kind=a.kind,
                street=a.street,
                postcode=a.postcode,
                city=a.city,
                region=a.region,
                country=a.country,
            )
            for i, a in enumerate(data.addresses or [])
        ]
    if given(data.contacts):
        company.contacts = [
            BusinessContact(position=i, kind=c.kind, value=c.value, note=c.note)
            for i, c in enumerate(data.contacts or [])
        ]
    if given(data.roles):
        company.roles = [TradeRole(code=code) for code in data.roles or []]
    if given(data.hs_chapters):
        company.hs_chapters = [TradedChapter(chapter=c) for c in data.hs_chapters or []]
    if given(data.aeo):
        company.aeo_status = data.aeo.status if data.aeo else None
        company.aeo_certificate = data.aeo.certificate if data.aeo else None


def _extra(data: CompanyInput) -> dict[str, Any]:
    """Extension-field values (country plugins); anything but an object is a field error."""
    if not given(data.extra) or data.extra is None:
        return {}
    if not isinstance(data.extra, dict):
        raise InputError("extension fields are an object of name: value", field="extra")
    return data.extra


def _require_header(company: Company) -> None:
    """What every company record has from its first save."""
    if not company.legal_name:
        raise InputError("the legal name is required", field="legalName", code="REQUIRED")
    if not company.country:
        raise InputError(
            "the country of registration is required", field="country", code="REQUIRED"
        )
    today = dt.date.today()
    if company.incorporated_on and company.incorporated_on > today:
        raise InputError("the date of incorporation is in the future", field="incorporatedOn")
    if (
        company.incorporated_on
        and company.dissolved_on
        and company.dissolved_on < company.incorporated_on
    ):
        raise InputError("dissolved before it was incorporated", field="dissolvedOn")


async def create(session: AsyncSession, principal: Principal, data: CompanyInput) -> Company:
    require(principal, access.EDIT, "createCompany")
    await validate_input(session, data, None)
    company = Company(status="draft", version=1, extra={})
    for name in _LISTS:
        setattr(company, name, [])
    _apply(company, data)
    _require_header(company)
    if given(data.extra):
        company.extra = await validate_extra(instance_of(session), session, ENTITY, _extra(data))
    company.created_by = user_id(principal)
    session.add(company)
    await session.flush()
    filled = [k for k, v in _snapshot(company).items() if v not in (None, [], {})]
    await WORKFLOW.created(session, principal, company, filled)
    return company


async def update(
    session: AsyncSession,
    principal: Principal,
    company_id: int,
    version: int,
    data: CompanyInput,
    reason: str | None,
) -> Company:
    require(principal, access.EDIT, "updateCompany")
    company = await load_company(session, company_id)
    WORKFLOW.require_visible(principal, company)
    WORKFLOW.check_version(company, version)
    WORKFLOW.check_editable(principal, company, reason)
    await validate_input(session, data, company.country)
    before = _snapshot(company)
    await _clear_replaced_lists(session, company, data)
    _apply(company, data)
    if given(data.extra):
        company.extra = await validate_extra(
            instance_of(session), session, ENTITY, _extra(data), previous=company.extra
        )
    _require_header(company)
    after = _snapshot(company)
    changed = [k for k in after if after[k] != before[k]]
    await WORKFLOW.updated(session, principal, company, changed, reason)
    return company


def missing_for_submission(company: Company) -> list[str]:
    """What a record needs before validators see it: enough to tell the company apart."""
    missing = []
    if not company.identifiers and not company.addresses:
        missing.append("identifiers")
    if not company.roles:
        missing.append("roles")
    return missing


async def submit(
    session: AsyncSession, principal: Principal, company_id: int, version: int
) -> Company:
    require(principal, access.EDIT, "submitCompany")
    company = await load_company(session, company_id)
    WORKFLOW.require_visible(principal, company)
    WORKFLOW.check_version(company, version)
    WORKFLOW.check_submittable(principal, company)
    missing = missing_for_submission(company)
    if missing:
        raise InputError(
            "a company is submitted with a registration identifier or an address, and its "
            f"roles in trade; missing: {', '.join(missing)}",
            field=missing[0],
            code="INCOMPLETE",
            missing=missing,
        )
    await WORKFLOW.transition(session, principal, company, "submitted")
    return company


async def validate(
    session: AsyncSession, principal: Principal, company_id: int, version: int
) -> Company:
    require(principal, access.VALIDATE, "validateCompany")
    company = await load_company(session, company_id)
    WORKFLOW.check_version(company, version)
    WORKFLOW.check_validatable(principal, company)
    await WORKFLOW.transition(session, principal, company, "validated")
    return company


async def return_(
    session: AsyncSession, principal: Principal, company_id: int, version: int, comment: str
) -> Company:
    require(principal, access.VALIDATE, "returnCompany")
    company = await load_company(session, company_id)
    WORKFLOW.check_version(company, version)
    await WORKFLOW.transition(
        session, principal, company, "returned", WORKFLOW.check_returnable(company, comment)
    )
    return company


async def delete(
    session: AsyncSession, principal: Principal, company_id: int, version: int
) -> None:
    require(principal, access.EDIT, "deleteCompany")
    company = await load_company(session, company_id)
    WORKFLOW.require_visible(principal, company)
    WORKFLOW.check_version(company, version)
    WORKFLOW.check_deletable(principal, company)
    await session.delete(company)
    await audit.record(
        session,
        actor=principal,
        action="record.delete",
        entity_type=ENTITY,
        entity_id=company_id,
    )
    enqueue_delete(session, ENTITY, company_id)
