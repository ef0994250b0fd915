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
from core.gql.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from core.instance import instance_of
from core.search.events import enqueue_delete, enqueue_index
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

EDITABLE_BY_AUTHOR = {"draft", "returned"}
_LISTS = ("trade_names", "identifiers", "addresses", "contacts", "roles", "hs_chapters")


async def load_company(session: AsyncSession, company_id: int, *, lock: bool = True) -> Company:
    query = with_children(select(Company).where(Company.id == company_id))
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=Company)
    company = await session.scalar(query)
    if company is None:
        raise NotFoundError("no such company", field="id")
    return company


def _require(principal: Principal, permission: str, field: str) -> None:
    if not principal.can(permission):
        raise PermissionDeniedError(f"{permission} is required", field=field)


def _check_version(company: Company, version: int) -> None:
    if company.version != version:
        raise ConflictError(
            f"the company changed since it was read (version {version}, now {company.version}); "
            "reload it and apply the change again",
            field="version",
            current_version=company.version,
        )


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
    _require(principal, access.EDIT, "createCompany")
    await validate_input(session, data, None)
    company = Company(status="draft", version=1, extra={})
    for name in _LISTS:
        setattr(company, name, [])
    _apply(company, data)
    _require_header(company)
    if given(data.extra):
        company.extra = await validate_extra(instance_of(session), session, ENTITY, _extra(data))
    company.created_by = access.user_id(principal)
    session.add(company)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="record.create",
        entity_type=ENTITY,
        entity_id=company.id,
        fields=sorted(k for k, v in _snapshot(company).items() if v not in (None, [], {})),
    )
    enqueue_index(session, ENTITY, company.id)
    return company


async def update(
    session: AsyncSession,
    principal: Principal,
    company_id: int,
    version: int,
    data: CompanyInput,
    reason: str | None,
) -> Company:
    _require(principal, access.EDIT, "updateCompany")
    company = await load_company(session, company_id)
    if not access.can_see(principal, company):
        raise NotFoundError("no such company", field="id")
    _check_version(company, version)
    is_author = company.created_by == access.user_id(principal)
    if company.status in EDITABLE_BY_AUTHOR and not is_author:
        raise PermissionDeniedError("only its author edits a draft or returned company", field="id")
    if company.status == "submitted":
        raise ConflictError(
            "a submitted company is being checked: it must be returned first", field="id"
        )
    if company.status == "validated" and not (reason and reason.strip()):
        raise InputError(
            "editing a validated company needs a reason", field="reason", code="REQUIRED"
        )
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
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return company
    previous_status = company.status
    if company.status == "validated":
        company.status, company.validated_by, company.validated_at = "submitted", None, None
        company.submitted_at = dt.datetime.now(dt.UTC)
    company.version += 1
    await session.flush()
    detail: dict[str, Any] = {"version": company.version}
    if previous_status != company.status:
        detail.update({"from": previous_status, "to": company.status, "reason": reason})
    await audit.record(
        session,
        actor=principal,
        action="record.update",
        entity_type=ENTITY,
        entity_id=company.id,
        fields=changed,
        detail=detail,
    )
    enqueue_index(session, ENTITY, company.id)
    return company


async def _transition(
    session: AsyncSession,
    principal: Principal,
    company: Company,
    to: str,
    comment: str | None = None,
) -> Company:
    previous = company.status
    company.status = to
    company.version += 1
    now = dt.datetime.now(dt.UTC)
    if to == "submitted":
        company.submitted_at = now
    if to == "validated":
        company.validated_at, company.validated_by = now, access.user_id(principal)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="record.status",
        entity_type=ENTITY,
        entity_id=company.id,
        fields=["status"],
        detail={"from": previous, "to": to, "comment": comment, "version": company.version},
    )
    enqueue_index(session, ENTITY, company.id)
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
    _require(principal, access.EDIT, "submitCompany")
    company = await load_company(session, company_id)
    if not access.can_see(principal, company):
        raise NotFoundError("no such company", field="id")
    _check_version(company, version)
    if company.status not in EDITABLE_BY_AUTHOR:
        raise ConflictError(f"a {company.status} company cannot be submitted", field="id")
    if company.created_by != access.user_id(principal):
        raise PermissionDeniedError("only its author submits a company", field="id")
    missing = missing_for_submission(company)
    if missing:
        raise InputError(
            "a company is submitted with a registration identifier or an address, and its "
            f"roles in trade; missing: {', '.join(missing)}",
            field=missing[0],
            code="INCOMPLETE",
            missing=missing,
        )
    return await _transition(session, principal, company, "submitted")


async def validate(
    session: AsyncSession, principal: Principal, company_id: int, version: int
) -> Company:
    _require(principal, access.VALIDATE, "validateCompany")
    company = await load_company(session, company_id)
    _check_version(company, version)
    if company.status != "submitted":
        raise ConflictError(f"a {company.status} company cannot be validated", field="id")
    if company.created_by is not None and company.created_by == access.user_id(principal):
        raise PermissionDeniedError(
            "a validator cannot validate a company they entered", field="id"
        )
    return await _transition(session, principal, company, "validated")


async def return_(
    session: AsyncSession, principal: Principal, company_id: int, version: int, comment: str
) -> Company:
    _require(principal, access.VALIDATE, "returnCompany")
    if not comment or not comment.strip():
        raise InputError("say what must be fixed", field="comment", code="REQUIRED")
    company = await load_company(session, company_id)
    _check_version(company, version)
    if company.status != "submitted":
        raise ConflictError(f"a {company.status} company cannot be returned", field="id")
    return await _transition(session, principal, company, "returned", comment.strip())


async def delete(
    session: AsyncSession, principal: Principal, company_id: int, version: int
) -> None:
    _require(principal, access.EDIT, "deleteCompany")
    company = await load_company(session, company_id)
    if not access.can_see(principal, company):
        raise NotFoundError("no such company", field="id")
    _check_version(company, version)
    if company.status != "draft":
        raise ConflictError("only drafts can be deleted", field="id")
    if company.created_by != access.user_id(principal) and not principal.can(access.VALIDATE):
        raise PermissionDeniedError("only its author deletes a draft", field="id")
    await session.delete(company)
    await audit.record(
        session,
        actor=principal,
        action="record.delete",
        entity_type=ENTITY,
        entity_id=company_id,
    )
    enqueue_delete(session, ENTITY, company_id)
