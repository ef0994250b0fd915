"""Deterministic synthetic persons and conveyances for demos and benchmarks.

Names are assembled from syllables (`Doravin`, `Kelmaru`), never taken from real people;
document numbers, plates and phone numbers are random but well-formed, and container and IMO
numbers carry valid check digits. The same seed and size always give the same records.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.identifiers import imo_check_digit, iso6346_check_digit
from plugins.suspects.duplicates import profile_of
from plugins.suspects.models import (
    CATEGORIES,
    Conveyance,
    Person,
    PersonAlias,
    PersonDocument,
    PersonNameKey,
    PersonNationality,
    PersonPhone,
)
from plugins.suspects.names import name_keys

DEMO_SEED = 20260601
SYLLABLES = (
    "do",
    "ra",
    "vin",
    "kel",
    "ma",
    "ru",
    "sa",
    "bor",
    "te",
    "li",
    "nak",
    "zu",
    "fe",
    "mon",
)
COUNTRIES = ("NL", "BE", "DE", "FR", "ES", "MA", "CO", "TR", "NG", "PK", "UA", "BR")
MAKES = (("Volvo", "FH16"), ("Scania", "R450"), ("Ford", "Transit"), ("Renault", "Master"))


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def make_person(rng: random.Random, officer: int | None, today: dt.date) -> Person:
    family, given = _name(rng, 3), _name(rng, 2)
    nationality = rng.choice(COUNTRIES)
    person = Person(
        status=rng.choice(("validated", "validated", "submitted", "draft")),
        version=1,
        category=rng.choices(CATEGORIES, weights=(50, 25, 10, 10, 5))[0],
        family_name=family,
        given_names=given,
        birth_year=rng.randint(1955, 2004),
        birth_month=rng.choice((None, *range(1, 13))),
        birth_place=_name(rng, 2) + "burg",
        birth_country=nationality,
        gender=rng.choice(("male", "male", "female")),
        occupation=rng.choice((None, "driver", "trader", "seafarer", "unemployed")),
        review_date=today + dt.timedelta(days=rng.randint(-30, 3 * 365)),
        created_by=officer,
    )
    person.birth_day = rng.randint(1, 28) if person.birth_month else None
    person.aliases = (
        [PersonAlias(position=0, name=f"{_name(rng, 2)} {family}")] if rng.random() < 0.3 else []
    )
    person.nationalities = [PersonNationality(position=0, country=nationality)]
    person.documents = [
        PersonDocument(
            position=0,
            type="passport",
            number="".join(rng.choices(string.ascii_uppercase, k=2))
            + "".join(rng.choices(string.digits, k=7)),
            issuing_country=nationality,
        )
    ]
    person.addresses = []
    person.phones = [
        PersonPhone(position=0, number="+31" + "".join(rng.choices(string.digits, k=9)))
    ]
    person.name_keys = [
        PersonNameKey(key=k) for k in sorted(name_keys(profile_of(person).variants))
    ]
    return person


def make_conveyance(rng: random.Random, officer: int | None, index: int) -> Conveyance:
    kind = ("vehicle", "vessel", "container", "aircraft")[index % 4]
    row = Conveyance(kind=kind, version=1, created_by=officer)
    if kind == "vehicle":
        make, model = rng.choice(MAKES)
        row.plate = "".join(rng.choices(string.ascii_uppercase, k=2)) + f"{index:05d}"
        row.country, row.make, row.model = rng.choice(COUNTRIES), make, model
        row.key = f"{row.plate}:{row.country}"
    elif kind == "vessel":
        head = f"{9_000_000 // 10 + index:06d}"
        row.imo = head + str(imo_check_digit(head))
        row.name, row.country, row.key = f"{_name(rng, 2)} Star", rng.choice(COUNTRIES), row.imo
    elif kind == "container":
        head = f"{rng.choice(('MSK', 'CSQ', 'TGH'))}U{index:06d}"
        row.container_number = head + str(iso6346_check_digit(head))
        row.key = row.container_number
    else:
        row.registration = f"N{index:04d}X"
        row.country, row.key = "US", row.registration
    return row


async def load(session: AsyncSession, size: int, seed: int = DEMO_SEED) -> int:
    """`size` persons and half as many conveyances; returns the number of persons."""
    rng = random.Random(seed)
    officer = await session.scalar(select(User.id).where(User.username == "officer"))
    today = dt.date.today()
    count = size
    persons = [make_person(rng, officer, today) for _ in range(count)]
    start = (await session.scalar(select(Conveyance.id).order_by(Conveyance.id.desc()))) or 0
    conveyances = [make_conveyance(rng, officer, start + i + 1) for i in range(count // 2)]
    session.add_all([*persons, *conveyances])
    await session.flush()
    return count
