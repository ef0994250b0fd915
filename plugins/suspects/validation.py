"""Input rules of persons and conveyances: identifiers normalised, codes checked against lists.

Every error is an InputError naming the field (the GraphQL input path) and, for codes, the list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from core.codelists.validation import CodeCheck, validate_many
from core.gql.errors import InputError
from core.identifiers import normalise_container, normalise_imo, normalise_plate
from core.records import given
from plugins.suspects.identifiers import (
    normalise_document_number,
    normalise_mmsi,
    normalise_registration,
    normalise_vin,
)
from plugins.suspects.inputs import MeansOfConveyanceInput, PersonInput

MAX_TEXT = 20_000
MAX_NAME = 200
# What the columns hold (models.py).
MAX_ALIAS = 300
MAX_ADDRESS_LINE = 300
MAX_CITY = 120
MAX_POSTAL_CODE = 20
MAX_EMAIL = 254
MAX_MAKE_MODEL = 80
_BIRTH = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE_CHARS = re.compile(r"[\s\-./()]+")


def normalised(value: str, normalise: Callable[[str], str], field: str) -> str:
    try:
        return normalise(value)
    except ValueError as exc:
        raise InputError(str(exc), field=field, code="INVALID_FORMAT") from None


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if value and value.strip() else None


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@dataclass(frozen=True)
class BirthParts:
    year: int | None
    month: int | None
    day: int | None


def parse_birth(value: str | None, field: str = "dateOfBirth") -> BirthParts:
    """`1984`, `1984-03` or `1984-03-02`; not in the future, not before 1900."""
    if value is None or not value.strip():
        return BirthParts(None, None, None)
    match = _BIRTH.match(value.strip())
    if not match:
        raise InputError(
            "a date of birth is YYYY, YYYY-MM or YYYY-MM-DD", field=field, code="INVALID_FORMAT"
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError:
        raise InputError("not a valid date", field=field, code="INVALID_FORMAT") from None
    today = dt.date.today()
    if year is not None and (year < 1900 or (year, month or 1, day or 1) > today.timetuple()[:3]):
        raise InputError("the date of birth is out of range", field=field)
    return BirthParts(year, month, day)


def _phone(value: str, field: str) -> str:
    number = _PHONE_CHARS.sub("", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not re.fullmatch(r"\+?[0-9]{5,20}", number):
        raise InputError(
            "a phone number has 5 to 20 digits, optionally after +",
            field=field,
            code="INVALID_FORMAT",
        )
    return number


def _at_most(value: str | None, limit: int, field: str) -> str | None:
    """Refuse text longer than its column holds, naming the field (never a database error)."""
    if value is not None and len(value) > limit:
        raise InputError(f"at most {limit} characters", field=field)
    return value


def normalise_person(data: PersonInput) -> None:
    """Canonical forms in place: trimmed names, upper-case countries, normalised numbers."""
    for name in (
        "family_name",
        "given_names",
        "original_script_name",
        "transliteration",
        "birth_place",
        "occupation",
    ):
        value = getattr(data, name)
        if given(value):
            value = _text(value)
            if value is not None and len(value) > MAX_NAME:
                raise InputError(f"at most {MAX_NAME} characters", field=to_camel_case(name))
            setattr(data, name, value)
    if given(data.family_name) and data.family_name is None:
        raise InputError("the family name is required", field="familyName", code="REQUIRED")
    if given(data.category) and data.category is None:
        raise InputError("the category is required", field="category", code="REQUIRED")
    if given(data.aliases):
        aliases = [a for a in (_text(x) for x in data.aliases or []) if a]
        for i, alias in enumerate(aliases):
            _at_most(alias, MAX_ALIAS, f"aliases[{i}]")
        data.aliases = list(dict.fromkeys(aliases))
    if given(data.date_of_birth):
        parse_birth(data.date_of_birth)
    if given(data.birth_country):
        data.birth_country = _upper(data.birth_country)
    if given(data.gender):
        data.gender = _text(data.gender)
    if given(data.nationalities):
        data.nationalities = list(
            dict.fromkeys(c for c in map(_upper, data.nationalities or []) if c)
        )
    for i, doc in enumerate(data.documents or [] if given(data.documents) else []):
        doc.number = normalised(doc.number, normalise_document_number, f"documents[{i}].number")
        doc.issuing_country = _upper(doc.issuing_country) or ""
        if doc.issue_date and doc.expiry_date and doc.expiry_date < doc.issue_date:
            raise InputError(
                "the expiry date is before the issue date", field=f"documents[{i}].expiryDate"
            )
    for i, address in enumerate(data.addresses or [] if given(data.addresses) else []):
        address.country = _upper(address.country)
        address.line = _at_most(_text(address.line), MAX_ADDRESS_LINE, f"addresses[{i}].line")
        address.city = _at_most(_text(address.city), MAX_CITY, f"addresses[{i}].city")
        address.postal_code = _at_most(
            _upper(address.postal_code), MAX_POSTAL_CODE, f"addresses[{i}].postalCode"
        )
    if given(data.phones):
        data.phones = list(
            dict.fromkeys(_phone(p, f"phones[{i}]") for i, p in enumerate(data.phones or []))
        )
    if given(data.email) and data.email is not None:
        data.email = _at_most(data.email.strip().lower() or None, MAX_EMAIL, "email")
        if data.email and not _EMAIL.match(data.email):
            raise InputError("not an e-mail address", field="email", code="INVALID_FORMAT")
    if given(data.assessment) and data.assessment and len(data.assessment) > MAX_TEXT:
        raise InputError(f"at most {MAX_TEXT} characters", field="assessment")
    if given(data.review_date):
        if data.review_date is None:
            raise InputError("a review date is required", field="reviewDate", code="REQUIRED")
        if data.review_date <= dt.date.today():
            raise InputError("the review date must be in the future", field="reviewDate")


def person_code_checks(data: PersonInput) -> list[CodeCheck]:
    checks: list[CodeCheck] = []
    if given(data.gender):
        checks.append(CodeCheck("suspects_genders", data.gender, "gender"))
    if given(data.birth_country):
        checks.append(CodeCheck("countries", data.birth_country, "birthCountry"))
    if given(data.nationalities):
        checks += [
            CodeCheck("countries", c, f"nationalities[{i}]")
            for i, c in enumerate(data.nationalities or [])
        ]
    for i, doc in enumerate(data.documents or [] if given(data.documents) else []):
        checks += [
            CodeCheck("suspects_document_types", doc.type, f"documents[{i}].type"),
            CodeCheck("countries", doc.issuing_country, f"documents[{i}].issuingCountry"),
        ]
    for i, address in enumerate(data.addresses or [] if given(data.addresses) else []):
        checks.append(CodeCheck("countries", address.country, f"addresses[{i}].country"))
    return checks


async def validate_person(session: AsyncSession, data: PersonInput) -> None:
    normalise_person(data)
    await validate_many(session, person_code_checks(data), on=dt.date.today())


# --- conveyances ---------------------------------------------------------------------------

FIELDS_OF_KIND = {
    "vehicle": {"plate", "make", "model", "vin", "country"},
    "vessel": {"name", "imo", "mmsi", "country"},
    "aircraft": {"registration", "country"},
    "container": {"container_number"},
}
ALL_SPECIFIC = {
    "plate",
    "make",
    "model",
    "vin",
    "name",
    "imo",
    "mmsi",
    "registration",
    "container_number",
    "country",
}


def normalise_conveyance(kind: str, data: MeansOfConveyanceInput) -> None:
    """Refuse fields of another kind; normalise identifiers with their check digits."""
    for name in sorted(ALL_SPECIFIC - FIELDS_OF_KIND[kind]):
        value = getattr(data, name)
        if given(value) and value is not None:
            raise InputError(f"a {kind} has no {to_camel_case(name)}", field=to_camel_case(name))
    checks: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("plate", normalise_plate),
        ("vin", normalise_vin),
        ("imo", normalise_imo),
        ("mmsi", normalise_mmsi),
        ("registration", normalise_registration),
        ("container_number", normalise_container),
    )
    for name, normalise in checks:
        value = getattr(data, name)
        if given(value):
            value = _text(value)
            setattr(
                data, name, normalised(value, normalise, to_camel_case(name)) if value else None
            )
    limits = (
        ("make", MAX_MAKE_MODEL),
        ("model", MAX_MAKE_MODEL),
        ("name", MAX_NAME),
        ("notes", MAX_TEXT),
    )
    for name, limit in limits:
        value = getattr(data, name)
        if given(value):
            setattr(data, name, _at_most(_text(value), limit, to_camel_case(name)))
    if given(data.country):
        data.country = _upper(data.country)


async def validate_conveyance(
    session: AsyncSession, kind: str, data: MeansOfConveyanceInput
) -> None:
    normalise_conveyance(kind, data)
    if given(data.country):
        await validate_many(
            session, [CodeCheck("countries", data.country, "country")], on=dt.date.today()
        )
