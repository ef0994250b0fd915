"""The simplified and full forms, and how complete a case is against the full one.

The first three rules hold from the first save (the statistical header); the rest of the
simplified form before submission, and the full form before a full record is submitted.
"""

from __future__ import annotations

from core.records import Requirement
from plugins.seizures.models import Case


def _goods(case: Case, attribute: str) -> bool:
    return bool(case.goods) and all(
        getattr(line, attribute) not in (None, "") for line in case.goods
    )


HEADER: tuple[Requirement, ...] = (
    Requirement(
        "seizureDate", lambda c: c.seizure_date is not None, "the seizure date is required", True
    ),
    Requirement(
        "place.country",
        lambda c: bool(c.place_country),
        "the country of the place is required",
        True,
    ),
    Requirement("area", lambda c: bool(c.area), "the enforcement area is required", True),
)

SIMPLIFIED: tuple[Requirement, ...] = (
    *HEADER,
    Requirement("goods.commodity", lambda c: _goods(c, "commodity")),
    Requirement("goods.quantity", lambda c: _goods(c, "quantity") and _goods(c, "unit")),
    Requirement("detectionMethod", lambda c: bool(c.detection_method)),
)

FULL: tuple[Requirement, ...] = (
    *SIMPLIFIED,
    Requirement("seizureTime", lambda c: c.seizure_time is not None),
    Requirement("reportingOffice", lambda c: bool(c.reporting_office)),
    Requirement("place.name", lambda c: bool(c.place_name)),
    Requirement("place.locationType", lambda c: bool(c.location_type)),
    Requirement("direction", lambda c: bool(c.direction)),
    Requirement("offenceType", lambda c: bool(c.offence_type)),
    Requirement("concealment.method", lambda c: bool(c.concealment_method)),
    Requirement("conveyance.transportMode", lambda c: bool(c.transport_mode)),
    Requirement("conveyance.identifier", lambda c: bool(c.conveyance_identifier)),
    Requirement("goods.hsCode", lambda c: _goods(c, "hs_code")),
    Requirement("goods.value", lambda c: _goods(c, "value") and _goods(c, "currency")),
    Requirement("route", lambda c: any(leg.role == "origin" for leg in c.route)),
    Requirement("narrative", lambda c: bool(c.narrative)),
)


def missing_fields(case: Case, form: tuple[Requirement, ...] = FULL) -> list[str]:
    return [req.field for req in form if not req.check(case)]


def completeness(case: Case) -> float:
    """Share of the full form's requirements the case meets, 0.0 to 1.0."""
    return round(1 - len(missing_fields(case)) / len(FULL), 3)
