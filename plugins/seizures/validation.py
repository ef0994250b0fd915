"""Input rules of a seizure: identifiers normalised, codes checked against their lists.

Every error is an InputError naming the field (the GraphQL input path) and, for codes, the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from core.codelists.validation import CodeCheck, validate_many
from core.gql.errors import InputError
from core.identifiers import normalise_container, normalise_hs_code, normalise_imo
from core.records import given
from plugins.seizures.inputs import SeizureInput

MAX_TEXT = 20_000


def normalised(value: str, normalise: Callable[[str], str], field: str) -> str:
    try:
        return normalise(value)
    except ValueError as exc:
        raise InputError(str(exc), field=field, code="INVALID_FORMAT") from None


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if value else value


def normalise_input(data: SeizureInput) -> None:
    """Canonical forms in place: upper-case country and currency codes, ISO 6346, IMO, HS."""
    if given(data.place) and data.place is not None:
        data.place.country = _upper(data.place.country) or ""
    if given(data.conveyance) and data.conveyance is not None:
        conveyance = data.conveyance
        conveyance.country = _upper(conveyance.country)
        if conveyance.vessel_imo:
            conveyance.vessel_imo = normalised(
                conveyance.vessel_imo, normalise_imo, "conveyance.vesselImo"
            )
        conveyance.containers = [
            normalised(number, normalise_container, f"conveyance.containers[{i}]")
            for i, number in enumerate(conveyance.containers)
        ]
        if len(set(conveyance.containers)) != len(conveyance.containers):
            raise InputError("a container is listed twice", field="conveyance.containers")
    for i, line in enumerate(data.goods or [] if given(data.goods) else []):
        line.currency = _upper(line.currency)
        if line.hs_code:
            line.hs_code = normalised(line.hs_code, normalise_hs_code, f"goods[{i}].hsCode")
        _check_quantity(line.quantity, line.unit, i)
        if line.pieces is not None and line.pieces < 0:
            raise InputError("must not be negative", field=f"goods[{i}].pieces")
        if line.value is not None and line.value < 0:
            raise InputError("must not be negative", field=f"goods[{i}].value")
        if line.value is not None and not line.currency:
            raise InputError("a value needs its currency", field=f"goods[{i}].currency")
    for leg in data.route or [] if given(data.route) else []:
        leg.country = _upper(leg.country) or ""
    for i, offender in enumerate(data.offenders or [] if given(data.offenders) else []):
        offender.nationality = _upper(offender.nationality)
        if offender.count < 1:
            raise InputError("at least one person", field=f"offenders[{i}].count")
    for name in ("narrative", "internal_notes"):
        text = getattr(data, name)
        if given(text) and text is not None and len(text) > MAX_TEXT:
            raise InputError(f"at most {MAX_TEXT} characters", field=to_camel_case(name))


def _check_quantity(quantity: Decimal | None, unit: str | None, index: int) -> None:
    if quantity is not None and quantity <= 0:
        raise InputError("must be greater than zero", field=f"goods[{index}].quantity")
    if quantity is not None and not unit:
        raise InputError(
            "a quantity needs its unit", field=f"goods[{index}].unit", code="UNIT_REQUIRED"
        )
    if unit and quantity is None:
        raise InputError("a unit needs a quantity", field=f"goods[{index}].quantity")


# Codes of the case itself: (attribute, code list, input field).
_SIMPLE = tuple(
    (name, list_name, to_camel_case(name))
    for name, list_name in {
        "area": "seizures_areas",
        "direction": "seizures_directions",
        "offence_type": "seizures_offence_types",
        "detection_method": "seizures_detection_methods",
    }.items()
)


def code_checks(data: SeizureInput) -> list[CodeCheck]:
    """Every code the input carries, with the list it belongs to and its field path."""
    checks: list[CodeCheck] = []
    for name, list_name, field in _SIMPLE:
        value = getattr(data, name)
        if given(value):
            checks.append(CodeCheck(list_name, value, field))
    if given(data.place) and data.place is not None:
        checks.append(CodeCheck("countries", data.place.country, "place.country"))
        checks.append(
            CodeCheck("seizures_location_types", data.place.location_type, "place.locationType")
        )
    if given(data.risk_indicators):
        checks += [
            CodeCheck("seizures_risk_indicators", code, f"riskIndicators[{i}]")
            for i, code in enumerate(data.risk_indicators or [])
        ]
    if given(data.concealment) and data.concealment is not None:
        checks.append(
            CodeCheck("seizures_concealment_methods", data.concealment.method, "concealment.method")
        )
    if given(data.conveyance) and data.conveyance is not None:
        conveyance = data.conveyance
        checks += [
            CodeCheck("transport_modes", conveyance.transport_mode, "conveyance.transportMode"),
            CodeCheck("seizures_conveyance_types", conveyance.type, "conveyance.type"),
            CodeCheck("countries", conveyance.country, "conveyance.country"),
        ]
    for i, line in enumerate(data.goods or [] if given(data.goods) else []):
        checks += [
            CodeCheck("seizures_commodities", line.commodity, f"goods[{i}].commodity"),
            CodeCheck("units", line.unit, f"goods[{i}].unit"),
            CodeCheck("currencies", line.currency, f"goods[{i}].currency"),
        ]
    for i, leg in enumerate(data.route or [] if given(data.route) else []):
        checks += [
            CodeCheck("seizures_route_roles", leg.role, f"route[{i}].role"),
            CodeCheck("countries", leg.country, f"route[{i}].country"),
        ]
    for i, offender in enumerate(data.offenders or [] if given(data.offenders) else []):
        checks += [
            CodeCheck("countries", offender.nationality, f"offenders[{i}].nationality"),
            CodeCheck("seizures_genders", offender.gender, f"offenders[{i}].gender"),
            CodeCheck("seizures_age_bands", offender.age_band, f"offenders[{i}].ageBand"),
            CodeCheck("seizures_offender_roles", offender.role, f"offenders[{i}].role"),
        ]
    return checks


async def validate_input(session: AsyncSession, data: SeizureInput, on: dt.date) -> None:
    normalise_input(data)
    await validate_many(session, code_checks(data), on=on)
