"""The seizure record type: what core's lifecycle needs to know about seizures.

Create, update, the submit -> validate/return workflow, delete, versions, photos, audit, search
updates and record events are core's (`core.records`); this says how a seizure input is checked
(codes valid on the seizure date) and stored, which form a record is checked against before
submission, and that every new seizure gets a reference that is never reused. Search keeps its
own declaration (`plugins.seizures.search`): drafts stay out of it, and a rebuild reads cases
with Core statements, faster than the generic one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select

from core.gql.errors import InputError
from core.matching import Profile
from core.records import (
    RecordType,
    Requirement,
    WriteContext,
    child_rows,
    copy_given,
    given,
    new_child,
)
from plugins.seizures import access, forms, matching
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
from plugins.seizures.references import next_reference, reserve_references
from plugins.seizures.validation import validate_input

_SCALARS = (
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


class SeizureRecord(RecordType[Case, SeizureInput]):
    name, module, noun = "Seizure", "seizures", "seizure"
    model, input, output = Case, SeizureInput, "plugins.seizures.types:Seizure"
    workflow = access.WORKFLOW
    collections = {
        "goods": "goods",
        "route": "route",
        "offenders": "offenders",
        "containers": "conveyance",
        "risk_indicators": "risk_indicators",
    }
    requirements = forms.SIMPLIFIED
    photos_field = "concealment.photos"
    descriptions = {
        "create": "Create a draft seizure (the simplified form is enough).",
        "delete": "Delete a draft seizure; its reference is never reused.",
    }

    def load(self, query: Select[Any]) -> Select[Any]:
        return with_children(query)

    def new(self, ctx: WriteContext, data: SeizureInput) -> Case:
        return Case(form="simplified")

    async def validate(self, ctx: WriteContext, data: SeizureInput, record: Case | None) -> None:
        # Codes must be valid on the seizure date: a code retired since stays valid for old cases.
        if given(data.seizure_date) and data.seizure_date:
            on = data.seizure_date
        elif record is not None and record.seizure_date:
            on = record.seizure_date
        else:
            on = dt.date.today()
        await validate_input(ctx.session, data, on=on)

    def apply(self, case: Case, data: SeizureInput) -> None:
        copy_given(case, data, _SCALARS)
        if given(data.form) and data.form is not None:
            case.form = data.form.value
        if given(data.place):
            place = data.place
            case.place_country = place.country if place else None  # type: ignore[assignment]
            case.place_code = place.code if place else None
            case.place_name = place.name if place else None
            case.location_type = place.location_type if place else None
        if given(data.concealment):
            concealment = data.concealment
            case.concealment_method = concealment.method if concealment else None
            case.concealment_description = concealment.description if concealment else None
        if given(data.conveyance):
            conveyance = data.conveyance
            case.transport_mode = conveyance.transport_mode if conveyance else None
            case.conveyance_type = conveyance.type if conveyance else None
            case.conveyance_identifier = conveyance.identifier if conveyance else None
            case.vessel_imo = conveyance.vessel_imo if conveyance else None
            case.conveyance_country = conveyance.country if conveyance else None
            case.containers = [
                new_child(Container, {"number": n})
                for n in (conveyance.containers if conveyance else [])
            ]
        if given(data.risk_indicators):
            case.risk_indicators = [
                new_child(RiskIndicator, {"code": c})
                for c in sorted(set(data.risk_indicators or []))
            ]
        if given(data.goods):
            case.goods = child_rows(GoodsLine, data.goods)
        if given(data.route):
            case.route = child_rows(RouteLeg, data.route)
        if given(data.offenders):
            case.offenders = child_rows(OffenderSummary, data.offenders)

    def check(self, case: Case) -> None:
        if case.seizure_date > dt.date.today() + dt.timedelta(days=1):
            raise InputError("the seizure date is in the future", field="seizureDate")

    async def prepare_new(self, ctx: WriteContext, case: Case) -> None:
        country = ctx.instance.config.country
        case.reference = await next_reference(ctx.session, country, dt.date.today().year)

    async def prepare_many(self, ctx: WriteContext, cases: Sequence[Case]) -> None:
        country = ctx.instance.config.country
        year = dt.date.today().year
        references = await reserve_references(ctx.session, country, year, len(cases))
        for case, reference in zip(cases, references, strict=True):
            case.reference = reference

    def submission_requirements(self, case: Case) -> Sequence[Requirement]:
        return forms.FULL if case.form == "full" else forms.SIMPLIFIED

    def incomplete_message(self, case: Case, missing: Sequence[str]) -> str:
        return f"the {case.form} form is incomplete: {', '.join(missing)}"

    def audit_detail(self, case: Case) -> dict[str, Any]:
        return {"reference": case.reference}

    match_children = ("goods", "route", "containers")

    def match_profile(self, case: Case) -> Profile:
        return matching.profile_of(case)


RECORD = SeizureRecord()
