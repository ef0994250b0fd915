"""A seizure as matching sees it (`core.matching`): the conveyance's identifier (a plate, a
vessel's name or a flight number), its IMO number and containers, the route, the concealment
method, HS codes and the seizure date, and free text for watched terms (goods, brands, place)."""

from __future__ import annotations

from core.matching.profile import Profile, identifiers, text_of
from plugins.seizures.models import Case


def profile_of(case: Case) -> Profile:
    return Profile(
        entity_type="Seizure",
        id=str(case.id),
        schema="seizure",
        identifiers=identifiers(
            ("plate", case.conveyance_identifier, "conveyance.identifier"),
            ("imo", case.vessel_imo, "conveyance.vesselImo"),
            *(
                ("container", c.number, f"conveyance.containers[{n}]")
                for n, c in enumerate(case.containers)
            ),
        ),
        text=text_of(
            case.reference,
            case.national_case_number,
            case.place_name,
            case.reporting_office,
            case.conveyance_identifier,
            [g.commodity for g in case.goods],
            [g.brand or "" for g in case.goods],
            [g.description or "" for g in case.goods],
            case.concealment_description,
            case.narrative,
        ),
        date=case.seizure_date,
        route=tuple(leg.country for leg in sorted(case.route, key=lambda leg: leg.position)),
        concealment=case.concealment_method,
        hs_codes=frozenset(g.hs_code for g in case.goods if g.hs_code),
    )
