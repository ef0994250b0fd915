"""Deterministic synthetic companies for demos and benchmarks.

The same seed and size always give the same companies (`random.Random(seed)`); identifiers pass
their checksums (drawn until python-stdnum accepts them), names are invented. Every tenth company
gets a near twin (same name with another legal-form spelling), so the duplicate check has
something to show.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.eu import vat as eu_vat

from core.auth.models import User
from plugins.companies.identifiers import name_key
from plugins.companies.models import (
    BusinessAddress,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)

DEMO_SEED = 20_251_107
FIRST = (
    "Global",
    "Atlas",
    "Northern",
    "Blue",
    "Orient",
    "Pacific",
    "Golden",
    "Delta",
    "Meridian",
    "Silver",
    "Eastern",
    "Continental",
    "Harbour",
    "Summit",
    "Nova",
    "Crown",
    "Union",
    "Star",
)
SECOND = (
    "Trading",
    "Logistics",
    "Import Export",
    "Shipping",
    "Freight",
    "Commodities",
    "Textiles",
    "Electronics",
    "Tobacco",
    "Pharma",
    "Foods",
    "Chemicals",
    "Motors",
    "Brokers",
    "Supplies",
)
# country -> (legal-form suffixes, legal form code, VAT digits pattern, city)
COUNTRIES = {
    "NL": (("B.V.", "BV"), "private_limited", "#########B##", "Rotterdam"),
    "BE": (("BV", "B.V."), "private_limited", "0#########", "Antwerpen"),
    "DE": (("GmbH", "G.m.b.H."), "private_limited", "#########", "Hamburg"),
    "IT": (("S.r.l.", "SRL"), "private_limited", "###########", "Genova"),
    "GB": (("Ltd.", "LIMITED"), "private_limited", None, "Felixstowe"),
    "AE": (("LLC", "L.L.C."), "llc", None, "Dubai"),
    "CN": (("Co., Ltd.", "Company Limited"), "private_limited", None, "Shenzhen"),
    "TR": (("A.S.", "AS"), "public_limited", None, "Mersin"),
}
ROLES = ("importer", "exporter", "carrier", "customs_broker", "freight_forwarder", "manufacturer")
CHAPTERS = ("24", "30", "33", "39", "42", "61", "62", "64", "71", "84", "85", "87", "95")
STATUSES = ("validated",) * 6 + ("submitted", "draft")


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _vat(rng: random.Random, country: str, pattern: str) -> str:
    while True:
        number = country + _digits(rng, pattern)
        if eu_vat.is_valid(number):
            return number


def _identifiers(rng: random.Random, country: str) -> list[RegistrationId]:
    pattern = COUNTRIES[country][2]
    if pattern is not None:
        vat = _vat(rng, country, pattern)
        eori = vat[:11] if country == "NL" else vat
        return [
            RegistrationId(position=0, scheme="vat", country=country, value=vat),
            RegistrationId(position=1, scheme="eori", country=country, value=eori),
        ]
    if country == "GB":
        number = _digits(rng, "#########")
        return [RegistrationId(position=0, scheme="eori", country="GB", value=f"GB{number}000")]
    return [
        RegistrationId(
            position=0, scheme="company_number", country=country, value=_digits(rng, "##########")
        )
    ]


def make_company(rng: random.Random, country: str, name: str, suffix: str) -> Company:
    legal_name = f"{name} {suffix}"
    status = rng.choice(STATUSES)
    incorporated = dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(13_000))
    return Company(
        status=status,
        version=1,
        legal_name=legal_name,
        name_key=name_key(legal_name),
        country=country,
        legal_form=COUNTRIES[country][1],
        legal_status=rng.choice(("active",) * 8 + ("in_liquidation", "dissolved")),
        incorporated_on=incorporated,
        aeo_status=rng.choice(("none",) * 4 + ("aeoc", "aeof")),
        extra={},
        trade_names=(
            [CompanyTradeName(position=0, name=name.upper(), name_key=name_key(name))]
            if rng.random() < 0.3
            else []
        ),
        identifiers=_identifiers(rng, country),
        addresses=[
            BusinessAddress(
                position=0,
                kind="registered",
                street=f"{rng.randrange(1, 300)} Harbour Road",
                postcode=f"{rng.randrange(1000, 9999)}",
                city=COUNTRIES[country][3],
                country=country,
            )
        ],
        contacts=[],
        roles=[TradeRole(code=c) for c in sorted(rng.sample(ROLES, rng.randrange(1, 3)))],
        hs_chapters=[TradedChapter(chapter=c) for c in sorted(rng.sample(CHAPTERS, 2))],
    )


async def load(session: AsyncSession, size: int, seed: int = DEMO_SEED) -> int:
    """Add `size` companies entered by the demo `officer` (validated ones by `validator`)."""
    rng = random.Random(seed)
    officer = await session.scalar(select(User.id).where(User.username == "officer"))
    validator = await session.scalar(select(User.id).where(User.username == "validator"))
    countries = sorted(COUNTRIES)
    added: list[Company] = []
    while len(added) < size:
        country = rng.choice(countries)
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)}"
        suffixes = COUNTRIES[country][0]
        added.append(make_company(rng, country, name, suffixes[0]))
        if len(added) % 10 == 1 and len(added) < size:
            added.append(make_company(rng, country, name, suffixes[1]))
    for company in added:
        company.created_by = officer
        if company.status in {"submitted", "validated"}:
            company.submitted_at = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
        if company.status == "validated":
            company.validated_by = validator
            company.validated_at = company.submitted_at
    for start in range(0, len(added), 1000):
        session.add_all(added[start : start + 1000])
        await session.flush()
    return len(added)
