"""Deterministic synthetic seizures: realistic routes, goods and detection for demos and benchmarks.

The same seed and size always give the same cases (`random.Random(seed)`), so benchmarks compare
like with like. Nothing here names a real person; places and routes are plausible, not real cases.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.identifiers import iso6346_check_digit
from plugins.seizures.models import (
    Case,
    Container,
    GoodsLine,
    OffenderSummary,
    RiskIndicator,
    RouteLeg,
)
from plugins.seizures.references import reserve_references


@dataclass(frozen=True)
class Commodity:
    area: str
    code: str
    hs_code: str | None
    unit: str
    quantity: tuple[float, float]
    value_per_unit: float
    origins: tuple[str, ...]
    transits: tuple[str, ...]
    description: str
    brands: tuple[str, ...] = ()


COMMODITIES: tuple[Commodity, ...] = (
    Commodity(
        "drugs",
        "cocaine",
        "293972",
        "KGM",
        (0.5, 900),
        35_000,
        ("CO", "PE", "BO", "EC"),
        ("BR", "PA", "DO"),
        "white powder in taped bricks",
    ),
    Commodity(
        "drugs",
        "heroin",
        "293911",
        "KGM",
        (0.2, 150),
        25_000,
        ("AF", "MM"),
        ("IR", "PK", "TR"),
        "brown powder in vacuum bags",
    ),
    Commodity(
        "drugs",
        "cannabis_resin",
        "130219",
        "KGM",
        (1, 2000),
        3_000,
        ("MA", "LB"),
        ("ES",),
        "resin plates marked with logos",
    ),
    Commodity(
        "drugs",
        "methamphetamine",
        "293971",
        "KGM",
        (0.1, 300),
        20_000,
        ("MM", "MX"),
        ("LA", "TH"),
        "crystalline substance",
    ),
    Commodity(
        "drugs",
        "captagon",
        "293949",
        "H87",
        (10_000, 3_000_000),
        5,
        ("SY", "LB"),
        ("JO",),
        "tablets marked with two half moons",
    ),
    Commodity(
        "tobacco",
        "cigarettes",
        "240220",
        "H87",
        (2_000, 12_000_000),
        0.3,
        ("AE", "CN", "BY"),
        ("PL", "LT"),
        "cigarettes without tax stamps",
        ("Golden Leaf", "Royal Blend", "Silver Coast"),
    ),
    Commodity(
        "tobacco",
        "waterpipe_tobacco",
        "240311",
        "KGM",
        (5, 4000),
        40,
        ("AE", "EG"),
        ("TR",),
        "molasses tobacco in unlabelled tins",
    ),
    Commodity(
        "alcohol",
        "spirits",
        "220860",
        "LTR",
        (20, 40_000),
        15,
        ("UA", "RU", "GE"),
        ("PL",),
        "spirits in bottles with counterfeit labels",
        ("Northern Star", "Crystal Peak"),
    ),
    Commodity(
        "ipr",
        "counterfeit_watches",
        "910211",
        "H87",
        (10, 20_000),
        150,
        ("CN", "HK"),
        ("AE",),
        "watches bearing protected trade marks",
        ("Chronos", "Tempo Royal"),
    ),
    Commodity(
        "ipr",
        "counterfeit_footwear",
        "640399",
        "H87",
        (50, 60_000),
        60,
        ("CN", "VN"),
        ("TR",),
        "sports shoes with infringing logos",
        ("Strider", "Aerox"),
    ),
    Commodity(
        "ipr",
        "falsified_medicines",
        "300490",
        "H87",
        (100, 2_000_000),
        2,
        ("IN", "CN"),
        ("AE", "SG"),
        "tablets in blister packs without marketing authorisation",
    ),
    Commodity(
        "environment",
        "ivory",
        "050790",
        "KGM",
        (1, 3000),
        1_500,
        ("MZ", "TZ", "CD"),
        ("KE", "AE"),
        "raw and worked elephant tusks",
    ),
    Commodity(
        "environment",
        "pangolin_scales",
        "051090",
        "KGM",
        (5, 8000),
        700,
        ("NG", "CM"),
        ("MY",),
        "scales in sacks declared as cashew nuts",
    ),
    Commodity(
        "environment",
        "ozone_depleting_substances",
        "290379",
        "KGM",
        (10, 12_000),
        20,
        ("CN",),
        ("UA",),
        "refrigerant cylinders with misleading labels",
    ),
    Commodity(
        "weapons",
        "handguns",
        "930200",
        "H87",
        (1, 200),
        900,
        ("US", "TR"),
        ("BG",),
        "pistols hidden in machine parts",
    ),
    Commodity(
        "weapons",
        "ammunition",
        "930630",
        "H87",
        (50, 100_000),
        1,
        ("CZ", "RS"),
        ("BA",),
        "cartridges in false-bottom crates",
    ),
    Commodity(
        "currency",
        "cash",
        None,
        "H87",
        (10_001, 3_000_000),
        1,
        ("NL", "ES", "AE"),
        ("TR",),
        "undeclared banknotes",
    ),
    Commodity(
        "cultural_heritage",
        "antiquities",
        "970600",
        "H87",
        (1, 300),
        12_000,
        ("IQ", "SY", "EG"),
        ("LB", "TR"),
        "ceramic and bronze objects over 100 years old",
    ),
)

PLACES = (  # (country, UN/LOCODE, name, location type, transport mode)
    ("NL", "NLRTM", "Rotterdam port", "seaport", "1"),
    ("BE", "BEANR", "Antwerp port", "seaport", "1"),
    ("ES", "ESALG", "Algeciras port", "seaport", "1"),
    ("FR", "FRCDG", "Paris Charles de Gaulle airport", "airport", "4"),
    ("DE", "DEFRA", "Frankfurt airport", "airport", "4"),
    ("KE", "KEMBA", "Mombasa port", "seaport", "1"),
    ("ZA", "ZADUR", "Durban port", "seaport", "1"),
    ("PL", "PLTER", "Terespol road crossing", "land_border", "3"),
    ("TR", "TRKPK", "Kapikule road crossing", "land_border", "3"),
    ("AE", "AEJEA", "Jebel Ali free zone", "free_zone", "1"),
    ("SG", "SGSIN", "Singapore mail centre", "postal", "5"),
    ("BR", "BRSSZ", "Santos port", "seaport", "1"),
)

DETECTION_METHODS = (
    "risk_profiling",
    "xray_scanner",
    "detector_dog",
    "intelligence",
    "random_check",
    "physical_examination",
    "document_check",
)
CONCEALMENTS = {
    "1": ("container_structure", "hidden_in_cargo", "mislabelled"),
    "3": ("vehicle_natural_cavity", "false_compartment", "hidden_in_cargo"),
    "4": ("body_carry", "swallowed", "luggage_false_bottom"),
    "5": ("postal_parcel", "mislabelled"),
}
RISK_INDICATORS = (
    "route_risk",
    "late_booking",
    "cash_payment",
    "inconsistent_documents",
    "new_consignee",
    "undervaluation",
    "nervous_behaviour",
)
CONVEYANCE_TYPES = {
    "1": "container_vessel",
    "3": "truck",
    "4": "passenger_aircraft",
    "5": "postal_item",
}
OFFENDER_ROLES = ("courier", "driver", "organiser", "recipient")
AGE_BANDS = ("18-25", "26-35", "36-45", "46-55", "56+")
STATUSES = (("validated", 70), ("submitted", 15), ("draft", 10), ("returned", 5))


def container_number(rng: random.Random) -> str:
    owner = "".join(rng.choices(string.ascii_uppercase, k=3)) + "U"
    serial = f"{rng.randrange(1_000_000):06d}"
    return f"{owner}{serial}{iso6346_check_digit(owner + serial)}"


def make_case(rng: random.Random, reference: str, year_start: dt.date) -> Case:
    commodity = rng.choice(COMMODITIES)
    country, locode, place_name, location_type, mode = rng.choice(PLACES)
    seized_on = year_start + dt.timedelta(days=rng.randrange(365))
    low, high = commodity.quantity
    quantity = Decimal(str(round(rng.uniform(low, high), 3 if commodity.unit != "H87" else 0)))
    status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
    origin = rng.choice(commodity.origins)
    route = [
        RouteLeg(
            position=0,
            role="origin",
            country=origin,
            date=seized_on - dt.timedelta(days=rng.randrange(5, 40)),
        )
    ]
    if rng.random() < 0.7:
        route.append(
            RouteLeg(
                position=1,
                role="transit",
                country=rng.choice(commodity.transits),
                date=seized_on - dt.timedelta(days=rng.randrange(1, 5)),
            )
        )
    route.append(
        RouteLeg(
            position=len(route),
            role="destination",
            country=country,
            place=place_name,
            date=seized_on,
        )
    )
    case = Case(
        reference=reference,
        status=status,
        form="full" if rng.random() < 0.8 else "simplified",
        version=1,
        seizure_date=seized_on,
        seizure_time=dt.time(rng.randrange(24), rng.randrange(0, 60, 5)),
        reporting_office=f"{place_name} customs office",
        place_country=country,
        place_code=locode,
        place_name=place_name,
        location_type=location_type,
        direction="import" if rng.random() < 0.85 else "transit",
        area=commodity.area,
        offence_type="smuggling" if commodity.area != "ipr" else "ipr_infringement",
        detection_method=rng.choice(DETECTION_METHODS),
        concealment_method=rng.choice(CONCEALMENTS[mode]),
        concealment_description=f"{commodity.description} found during examination",
        transport_mode=mode,
        conveyance_type=CONVEYANCE_TYPES[mode],
        conveyance_identifier=_conveyance_identifier(rng, mode),
        conveyance_country=rng.choice((origin, country)),
        narrative=f"Seizure of {commodity.code.replace('_', ' ')} at {place_name}.",
        extra={},
        goods=[
            GoodsLine(
                position=0,
                commodity=commodity.code,
                hs_code=commodity.hs_code,
                description=commodity.description,
                brand=rng.choice(commodity.brands) if commodity.brands else None,
                quantity=quantity,
                unit=commodity.unit,
                pieces=rng.randrange(1, 400),
                value=Decimal(str(round(float(quantity) * commodity.value_per_unit, 2))),
                currency="EUR",
            )
        ],
        route=route,
        containers=[Container(number=container_number(rng)) for _ in range(rng.randrange(1, 3))]
        if mode == "1"
        else [],
        risk_indicators=[
            RiskIndicator(code=c) for c in rng.sample(RISK_INDICATORS, rng.randrange(0, 3))
        ],
        offenders=[
            OffenderSummary(
                position=0,
                count=rng.randrange(1, 4),
                nationality=rng.choice((origin, country)),
                gender=rng.choice(("male", "female")),
                age_band=rng.choice(AGE_BANDS),
                role=rng.choice(OFFENDER_ROLES),
            )
        ]
        if mode in {"3", "4"}
        else [],
    )
    return case


def _conveyance_identifier(rng: random.Random, mode: str) -> str:
    if mode == "4":
        return f"{rng.choice(('KL', 'AF', 'EK', 'TK', 'LH'))}{rng.randrange(100, 9999)}"
    if mode == "3":
        return f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}-{rng.randrange(100, 999)}-{rng.choice(string.ascii_uppercase)}"
    if mode == "1":
        return f"{rng.choice(('Ocean', 'Northern', 'Blue', 'Star'))} {rng.choice(('Pioneer', 'Spirit', 'Horizon', 'Trader'))}"
    return f"R{rng.randrange(10**8):08d}XX"


DEMO_SEED = 20_251_101
DEMO_YEAR = 2025


async def _user_id(session: AsyncSession, username: str) -> int | None:
    return await session.scalar(select(User.id).where(User.username == username))


async def load(session: AsyncSession, country: str, size: int, seed: int = DEMO_SEED) -> int:
    """Add `size` cases in chunks; return how many were added.

    Cases are entered by the demo `officer` and validated by the demo `validator` when those
    accounts exist (`ncen init --demo` creates them first), so the workflow rules apply to them.
    """
    rng = random.Random(seed)
    officer = await _user_id(session, "officer")
    validator = await _user_id(session, "validator")
    references = await reserve_references(session, country, DEMO_YEAR, size)
    year_start = dt.date(DEMO_YEAR, 1, 1)
    for chunk_start in range(0, size, 1000):
        cases = [
            make_case(rng, reference, year_start)
            for reference in references[chunk_start : chunk_start + 1000]
        ]
        for case in cases:
            case.created_by = officer
            if case.status == "validated":
                case.validated_by = validator
                case.validated_at = case.submitted_at = dt.datetime.combine(
                    case.seizure_date, dt.time(18), dt.UTC
                )
            elif case.status in {"submitted", "returned"}:
                case.submitted_at = dt.datetime.combine(case.seizure_date, dt.time(18), dt.UTC)
        session.add_all(cases)
        await session.flush()
    return size


def _rows(obj: object, **extra: object) -> dict[str, object]:
    table = obj.__table__  # type: ignore[attr-defined]
    row = {c.key: getattr(obj, c.key) for c in table.columns if c.key not in {"id", "case_id"}}
    row.update(extra)
    return row


async def load_bulk(session: AsyncSession, country: str, size: int, seed: int = DEMO_SEED) -> int:
    """The same cases as `load` (same seed, same order), written with Core executemany inserts.

    For benchmarks at 100k cases, where the ORM unit of work dominates; no audit events or
    outbox rows are written (neither does `load`): rebuild the search index afterwards.
    """
    from sqlalchemy import insert

    from core.db import utcnow

    rng = random.Random(seed)
    officer = await _user_id(session, "officer")
    validator = await _user_id(session, "validator")
    references = await reserve_references(session, country, DEMO_YEAR, size)
    year_start = dt.date(DEMO_YEAR, 1, 1)
    children = (GoodsLine, RouteLeg, Container, RiskIndicator, OffenderSummary)
    for chunk_start in range(0, size, 1000):
        cases = [
            make_case(rng, reference, year_start)
            for reference in references[chunk_start : chunk_start + 1000]
        ]
        now = utcnow()
        case_rows = []
        for case in cases:
            submitted = validated = None
            if case.status != "draft":
                submitted = dt.datetime.combine(case.seizure_date, dt.time(18), dt.UTC)
            if case.status == "validated":
                validated = submitted
            case_rows.append(
                _rows(
                    case,
                    created_by=officer,
                    validated_by=validator if validated else None,
                    submitted_at=submitted,
                    validated_at=validated,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.execute(insert(Case.__table__), case_rows)
        found = await session.execute(
            select(Case.reference, Case.id).where(Case.reference.in_([c.reference for c in cases]))
        )
        ids = {reference: case_id for reference, case_id in found}
        for model in children:
            rows = [
                _rows(child, case_id=ids[case.reference])
                for case in cases
                for child in getattr(case, _COLLECTIONS[model])
            ]
            if rows:
                await session.execute(insert(model.__table__), rows)
    return size


_COLLECTIONS = {
    GoodsLine: "goods",
    RouteLeg: "route",
    Container: "containers",
    RiskIndicator: "risk_indicators",
    OffenderSummary: "offenders",
}
