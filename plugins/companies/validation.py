"""Input rules of a company: identifiers validated and normalised, codes checked against their
lists. Every error is an InputError naming the field (the GraphQL input path)."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from core.codelists.validation import CodeCheck, validate_many
from core.gql.errors import InputError
from core.identifiers import normalise_hs_code
from core.records import given
from plugins.companies.identifiers import SCHEMES, compact, normalise_identifier
from plugins.companies.inputs import CompanyInput

MAX_NAME = 300
MAX_TEXT = 20_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_AEO = re.compile(r"^[A-Z]{2}AEO[CSF][A-Z0-9]{1,29}$")


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if value else value


def _text(value: str | None, field: str, maximum: int = MAX_NAME) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split()) if maximum <= MAX_NAME else value.strip()
    if len(value) > maximum:
        raise InputError(f"at most {maximum} characters", field=field)
    return value or None


def normalise_input(data: CompanyInput, registration_country: str | None) -> None:
    """Canonical forms in place; `registration_country` is the record's (new or current) one."""
    if given(data.legal_name):
        data.legal_name = _text(data.legal_name, "legalName")
    if given(data.country):
        data.country = _upper(data.country)
        registration_country = data.country or registration_country
    if given(data.trade_names):
        names = [_text(n, f"tradeNames[{i}]") for i, n in enumerate(data.trade_names or [])]
        data.trade_names = list(dict.fromkeys(n for n in names if n))
    if given(data.identifiers):
        _identifiers(data, registration_country)
    for i, address in enumerate(data.addresses or [] if given(data.addresses) else []):
        address.country = _upper(address.country) or ""
        address.street = _text(address.street, f"addresses[{i}].street")
        address.postcode = _upper(_text(address.postcode, f"addresses[{i}].postcode"))
        address.city = _text(address.city, f"addresses[{i}].city", 120)
        address.region = _text(address.region, f"addresses[{i}].region", 120)
        if not (address.street or address.city or address.postcode):
            raise InputError(
                "an address needs a street, a postcode or a city", field=f"addresses[{i}].city"
            )
    for i, contact in enumerate(data.contacts or [] if given(data.contacts) else []):
        contact.value = _contact(contact.kind, contact.value, f"contacts[{i}].value")
        contact.note = _text(contact.note, f"contacts[{i}].note")
    if given(data.roles):
        data.roles = sorted({r.strip() for r in data.roles or [] if r and r.strip()})
    if given(data.hs_chapters):
        data.hs_chapters = _chapters(data.hs_chapters or [])
    if given(data.aeo) and data.aeo is not None:
        aeo = data.aeo
        if aeo.certificate:
            aeo.certificate = compact(aeo.certificate)
            if not _AEO.match(aeo.certificate):
                raise InputError(
                    "an AEO certificate number is a country code, AEO, the type letter (C, S "
                    "or F) and the national number, e.g. NLAEOF00001234",
                    field="aeo.certificate",
                    code="INVALID_FORMAT",
                )
            if aeo.status in (None, "none"):
                raise InputError("a certificate needs an AEO status", field="aeo.status")
    if given(data.assessment_notes):
        data.assessment_notes = _text(data.assessment_notes, "assessmentNotes", MAX_TEXT)


def _identifiers(data: CompanyInput, registration_country: str | None) -> None:
    seen: set[tuple[str, str]] = set()
    for i, identifier in enumerate(data.identifiers or []):
        identifier.country = _upper(identifier.country)
        if identifier.scheme not in SCHEMES:
            continue  # reported as UNKNOWN_CODE by the code-list check, with its list
        if not identifier.value or not identifier.value.strip():
            raise InputError("the number is required", field=f"identifiers[{i}].value")
        country = identifier.country
        if country is None and identifier.scheme not in {"vat", "eori", "lei"}:
            country = registration_country
        if identifier.scheme == "vat" and country is None:
            country = registration_country if not compact(identifier.value)[:2].isalpha() else None
        try:
            value, issuing = normalise_identifier(identifier.scheme, identifier.value, country)
        except ValueError as exc:
            raise InputError(
                str(exc), field=f"identifiers[{i}].value", code="INVALID_FORMAT"
            ) from None
        identifier.value, identifier.country = value, issuing
        if (identifier.scheme, value) in seen:
            raise InputError("this identifier is listed twice", field=f"identifiers[{i}].value")
        seen.add((identifier.scheme, value))


def _contact(kind: str, value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InputError("the value is required", field=field)
    if kind == "email":
        if not _EMAIL.match(value):
            raise InputError("not an e-mail address", field=field, code="INVALID_FORMAT")
        return value.lower()
    if kind in {"phone", "fax"}:
        number = re.sub(r"[\s\-./()]+", "", value)
        if not _PHONE.match(number):
            raise InputError(
                "a telephone number has 5 to 20 digits, optionally after +",
                field=field,
                code="INVALID_FORMAT",
            )
        return number
    if kind == "website":
        return value.lower().removesuffix("/")
    return _text(value, field) or ""


def _chapters(values: list[str]) -> list[str]:
    chapters: set[str] = set()
    for i, value in enumerate(values):
        try:
            digits = normalise_hs_code(value.strip())
        except ValueError as exc:
            raise InputError(str(exc), field=f"hsChapters[{i}]", code="INVALID_FORMAT") from None
        if len(digits) != 2:
            raise InputError(
                "an HS chapter has 2 digits (e.g. 24)",
                field=f"hsChapters[{i}]",
                code="INVALID_FORMAT",
            )
        chapters.add(digits)
    return sorted(chapters)


def code_checks(data: CompanyInput) -> list[CodeCheck]:
    """Every code the input carries, with the list it belongs to and its field path."""
    checks: list[CodeCheck] = []
    if given(data.country):
        checks.append(CodeCheck("countries", data.country, "country"))
    if given(data.legal_form):
        checks.append(CodeCheck("companies_legal_forms", data.legal_form, "legalForm"))
    if given(data.legal_status):
        checks.append(CodeCheck("companies_legal_statuses", data.legal_status, "legalStatus"))
    for i, identifier in enumerate(data.identifiers or [] if given(data.identifiers) else []):
        checks += [
            CodeCheck(
                "companies_identifier_schemes", identifier.scheme, f"identifiers[{i}].scheme"
            ),
            CodeCheck("countries", identifier.country, f"identifiers[{i}].country"),
        ]
    for i, address in enumerate(data.addresses or [] if given(data.addresses) else []):
        checks += [
            CodeCheck("companies_address_types", address.kind, f"addresses[{i}].kind"),
            CodeCheck("countries", address.country, f"addresses[{i}].country"),
        ]
    for i, contact in enumerate(data.contacts or [] if given(data.contacts) else []):
        checks.append(CodeCheck("companies_contact_types", contact.kind, f"contacts[{i}].kind"))
    for i, role in enumerate(data.roles or [] if given(data.roles) else []):
        checks.append(CodeCheck("companies_trade_roles", role, f"roles[{i}]"))
    if given(data.aeo) and data.aeo is not None:
        checks.append(CodeCheck("companies_aeo_statuses", data.aeo.status, "aeo.status"))
    return checks


async def validate_input(
    session: AsyncSession, data: CompanyInput, registration_country: str | None
) -> None:
    # Schemes first (an unknown scheme is named as such), then formats, checksums, other codes.
    identifiers = data.identifiers or [] if given(data.identifiers) else []
    for identifier in identifiers:
        identifier.scheme = (identifier.scheme or "").strip().lower()
    await validate_many(
        session,
        [
            CodeCheck("companies_identifier_schemes", identifier.scheme, f"identifiers[{i}].scheme")
            for i, identifier in enumerate(identifiers)
        ],
    )
    normalise_input(data, registration_country)
    await validate_many(session, code_checks(data))
