"""Domain rules of the seizures database: create, update, workflow transitions and deletion.

Each function runs inside the caller's write transaction and writes the case, its audit event
and its search outbox row together, so they commit or vanish as one.
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
from plugins.seizures import access, forms
from plugins.seizures.inputs import SeizureInput
from plugins.seizures.loaders import with_children
from plugins.seizures.models import (
    Case,
    Container,
    GoodsLine,
    OffenderSummary,
    RiskIndicator,
    RouteLeg,
)
from plugins.seizures.references import next_reference
from plugins.seizures.validation import given, validate_input

ENTITY = access.ENTITY
WORKFLOW = access.WORKFLOW


async def load_case(session: AsyncSession, case_id: int, *, lock: bool = True) -> Case:
    query = with_children(select(Case).where(Case.id == case_id))
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    case = await session.scalar(query)
    if case is None:
        raise NotFoundError("no such seizure", field="id")
    return case


def _snapshot(case: Case) -> dict[str, Any]:
    """Comparable content of a case, to name the fields an update changed."""
    columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    for ignored in ("id", "version", "created_at", "updated_at", "status", "reference"):
        columns.pop(ignored, None)
    columns["goods"] = [
        (
            g.commodity,
            g.hs_code,
            g.description,
            g.brand,
            g.quantity,
            g.unit,
            g.pieces,
            g.value,
            g.currency,
        )
        for g in case.goods
    ]
    columns["route"] = [(leg.role, leg.country, leg.place, leg.date) for leg in case.route]
    columns["containers"] = [c.number for c in case.containers]
    columns["risk_indicators"] = sorted(r.code for r in case.risk_indicators)
    columns["offenders"] = [
        (o.count, o.nationality, o.gender, o.age_band, o.role) for o in case.offenders
    ]
    return columns


async def _clear_replaced_lists(session: AsyncSession, case: Case, data: SeizureInput) -> None:
    """Delete the children a list input replaces before the new ones are inserted: positions
    are unique per case, and the ORM would insert the new rows before deleting the orphans."""
    replaced = {
        "goods": given(data.goods),
        "route": given(data.route),
        "offenders": given(data.offenders),
        "containers": given(data.conveyance),
        "risk_indicators": given(data.risk_indicators),
    }
    if case.id is None or not any(replaced.values()):
        return
    for name, is_replaced in replaced.items():
        if is_replaced:
            getattr(case, name).clear()
    await session.flush()


def _apply(case: Case, data: SeizureInput) -> None:
    scalars = (
        "national_case_number",
        "seizure_date",
        "seizure_time",
        "reporting_office",
        "direction",
        "area",
        "offence_type",
        "detection_method",
        "narrative",
        "internal_notes",
    )
    for name in scalars:
        value = getattr(data, name)
        if given(value):
            setattr(case, name, value)
    if given(data.form) and data.form is not None:
        case.form = data.form.value
    if given(data.place):
        place = data.place
        case.place_country = place.country if place else None  # type: ignore[assignment]
        case.place_code = place.code if place else None
        case.place_name = place.name if place else None
        case.location_type = place.location_type if place else None
    if given(data.concealment):
        case.concealment_method = data.concealment.method if data.concealment else None
        case.concealment_description = data.concealment.description if data.concealment else None
    if given(data.conveyance):
        conveyance = data.conveyance
        case.transport_mode = conveyance.transport_mode if conveyance else None
        case.conveyance_type = conveyance.type if conveyance else None
        case.conveyance_identifier = conveyance.identifier if conveyance else None
        case.vessel_imo = conveyance.vessel_imo if conveyance else None
        case.conveyance_country = conveyance.country if conveyance else None
        case.containers = [
            Container(number=n) for n in (conveyance.containers if conveyance else [])
        ]
    if given(data.risk_indicators):
        case.risk_indicators = [
            RiskIndicator(code=c) for c in sorted(set(data.risk_indicators or []))
        ]
    if given(data.goods):
        case.goods = [
            GoodsLine(
                position=i,
                commodity=g.commodity,
                hs_code=g.hs_code,
                description=g.description,
                brand=g.brand,
                quantity=g.quantity,
                unit=g.unit,
                pieces=g.pieces,
                value=g.value,
                currency=g.currency,
            )
            for i, g in enumerate(data.goods or [])
        ]
    if given(data.route):
        case.route = [
            RouteLeg(position=i, role=leg.role, country=leg.country, place=leg.place, date=leg.date)
            for i, leg in enumerate(data.route or [])
        ]
    if given(data.offenders):
        case.offenders = [
            OffenderSummary(
                position=i,
                count=o.count,
                nationality=o.nationality,
                gender=o.gender,
                age_band=o.age_band,
                role=o.role,
            )
            for i, o in enumerate(data.offenders or [])
        ]


def _wanted_photos(data: SeizureInput) -> list[str] | None:
    """The complete list of concealment photo ids the input asks for, or None to keep them."""
    if not given(data.concealment) or data.concealment is None:
        return None
    photos = data.concealment.photos
    return None if photos is None else [str(p) for p in photos]


async def _sync_photos(
    session: AsyncSession, principal: Principal, case_id: int, wanted: list[str] | None
) -> bool:
    """Attach the caller's new uploads and remove the photos left out; True if any changed."""
    if wanted is None:
        return False
    if len(set(wanted)) != len(wanted):
        raise InputError("a photo is listed twice", field="concealment.photos")
    attachments = instance_of(session).attachments
    current = {item.id for item in (await attachments.list_for(session, ENTITY, [case_id]))[0]}
    for index, photo_id in enumerate(wanted):
        if photo_id not in current:
            field = f"concealment.photos[{index}]"
            await attachments.attach(session, photo_id, ENTITY, case_id, principal, field=field)
    removed = sorted(current - set(wanted))
    await attachments.remove(session, removed)
    return bool(removed) or any(photo_id not in current for photo_id in wanted)


def _extra(data: SeizureInput) -> dict[str, Any]:
    """Extension-field values (country plugins); anything but an object is a field error."""
    if not given(data.extra) or data.extra is None:
        return {}
    if not isinstance(data.extra, dict):
        raise InputError("extension fields are an object of name: value", field="extra")
    return data.extra


def _require_header(case: Case) -> None:
    """The statistical header every record has from its first save."""
    if case.seizure_date is None:
        raise InputError("the seizure date is required", field="seizureDate", code="REQUIRED")
    if case.seizure_date > dt.date.today() + dt.timedelta(days=1):
        raise InputError("the seizure date is in the future", field="seizureDate")
    if not case.place_country:
        raise InputError(
            "the country of the place is required", field="place.country", code="REQUIRED"
        )
    if not case.area:
        raise InputError("the enforcement area is required", field="area", code="REQUIRED")


async def create(
    session: AsyncSession, principal: Principal, data: SeizureInput, country: str
) -> Case:
    require(principal, access.EDIT, "createSeizure")
    await validate_input(session, data, on=_day(data))
    case = Case(status="draft", form="simplified", version=1)
    case.goods, case.route, case.containers = [], [], []
    case.risk_indicators, case.offenders = [], []
    _apply(case, data)
    case.extra = await validate_extra(instance_of(session), session, ENTITY, _extra(data))
    _require_header(case)
    case.created_by = user_id(principal)
    case.reference = await next_reference(session, country, dt.date.today().year)
    session.add(case)
    await session.flush()
    photos_added = await _sync_photos(session, principal, case.id, _wanted_photos(data))
    filled = [k for k, v in _snapshot(case).items() if v not in (None, [], {})]
    await WORKFLOW.created(
        session,
        principal,
        case,
        filled + (["concealment_photos"] if photos_added else []),
        detail={"reference": case.reference},
    )
    return case


def _day(data: SeizureInput) -> dt.date:
    """Codes must be valid on the seizure date (a code retired since stays valid for old cases)."""
    return data.seizure_date if given(data.seizure_date) and data.seizure_date else dt.date.today()


async def update(
    session: AsyncSession,
    principal: Principal,
    case_id: int,
    version: int,
    data: SeizureInput,
    reason: str | None,
) -> Case:
    require(principal, access.EDIT, "updateSeizure")
    case = await load_case(session, case_id)
    WORKFLOW.require_visible(principal, case)
    WORKFLOW.check_version(case, version)
    WORKFLOW.check_editable(principal, case, reason)
    await validate_input(
        session, data, on=_day(data) if given(data.seizure_date) else case.seizure_date
    )
    before = _snapshot(case)
    await _clear_replaced_lists(session, case, data)
    _apply(case, data)
    if given(data.extra):
        case.extra = await validate_extra(
            instance_of(session), session, ENTITY, _extra(data), previous=case.extra
        )
    _require_header(case)
    after = _snapshot(case)
    changed = sorted(k for k in after if after[k] != before[k])
    if await _sync_photos(session, principal, case.id, _wanted_photos(data)):
        changed.append("concealment_photos")
    await WORKFLOW.updated(session, principal, case, changed, reason)
    return case


async def submit(session: AsyncSession, principal: Principal, case_id: int, version: int) -> Case:
    require(principal, access.EDIT, "submitSeizure")
    case = await load_case(session, case_id)
    WORKFLOW.require_visible(principal, case)
    WORKFLOW.check_version(case, version)
    WORKFLOW.check_submittable(principal, case)
    required = forms.FULL if case.form == "full" else forms.SIMPLIFIED
    missing = forms.missing_fields(case, required)
    if missing:
        raise InputError(
            f"the {case.form} form is incomplete: {', '.join(missing)}",
            field=missing[0],
            code="INCOMPLETE",
            missing=missing,
        )
    await WORKFLOW.transition(session, principal, case, "submitted")
    return case


async def validate(session: AsyncSession, principal: Principal, case_id: int, version: int) -> Case:
    require(principal, access.VALIDATE, "validateSeizure")
    case = await load_case(session, case_id)
    WORKFLOW.check_version(case, version)
    WORKFLOW.check_validatable(principal, case)
    await WORKFLOW.transition(session, principal, case, "validated")
    return case


async def return_(
    session: AsyncSession, principal: Principal, case_id: int, version: int, comment: str
) -> Case:
    require(principal, access.VALIDATE, "returnSeizure")
    case = await load_case(session, case_id)
    WORKFLOW.check_version(case, version)
    await WORKFLOW.transition(
        session, principal, case, "returned", WORKFLOW.check_returnable(case, comment)
    )
    return case


async def delete(session: AsyncSession, principal: Principal, case_id: int, version: int) -> str:
    require(principal, access.EDIT, "deleteSeizure")
    case = await load_case(session, case_id)
    WORKFLOW.require_visible(principal, case)
    WORKFLOW.check_version(case, version)
    WORKFLOW.check_deletable(principal, case)
    reference = case.reference
    await instance_of(session).attachments.erase(session, ENTITY, case_id)
    await session.delete(case)
    await audit.record(
        session,
        actor=principal,
        action="record.delete",
        entity_type=ENTITY,
        entity_id=case_id,
        detail={"reference": reference},
    )
    enqueue_delete(session, ENTITY, case_id)
    return reference
