"""Registration identifiers and names of companies: validation and canonical forms.

Each `normalise_*` returns the canonical form (upper case, no spaces, dots, dashes or slashes)
or raises ValueError with a message fit for a field-level error. The canonical form is what is
stored, compared by the duplicate check and indexed as an exact keyword, so the same number is
found however it was typed. Checksums come from python-stdnum where it knows the scheme.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from types import ModuleType

import pycountry
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

SCHEMES = ("company_number", "vat", "tax_number", "eori", "lei", "other")

_SEPARATORS = re.compile(r"[\s.\-/,_:]+")
_GENERIC = re.compile(r"^[A-Z0-9]{2,30}$")
_EORI = re.compile(r"^([A-Z]{2})([A-Z0-9]{1,15})$")
# EU VAT prefixes that are not the ISO code of their country.
_VAT_PREFIX_TO_COUNTRY = {"EL": "GR", "XI": "GB"}
_COUNTRY_TO_VAT_PREFIX = {"GR": "EL"}
# National company numbers with a checksum python-stdnum knows: country -> stdnum module.
_COMPANY_NUMBER_MODULES = {
    "CH": "stdnum.ch.uid",
    "DK": "stdnum.dk.cvr",
    "EE": "stdnum.ee.registrikood",
    "FI": "stdnum.fi.ytunnus",
    "FR": "stdnum.fr.siren",
    "NO": "stdnum.no.orgnr",
    "SE": "stdnum.se.orgnr",
}
_EORI_EXTRA_PREFIXES = {"XI", "EU"}  # Northern Ireland; EU-level identifiers


def compact(value: str) -> str:
    """Upper case without spaces, dots, dashes, slashes, commas, colons or underscores."""
    return _SEPARATORS.sub("", value).upper()


def _stdnum_message(exc: ValidationError, what: str) -> str:
    return f"not a valid {what}: {exc.message.rstrip('.').lower()}"


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def normalise_vat(value: str, country: str | None) -> tuple[str, str | None]:
    """A VAT number and its issuing country, in canonical form.

    EU numbers (and Northern Ireland's XI) are stored with their VAT prefix (`NL004495445B01`,
    `EL094259216`) and checked with their national checksum; the prefix may be left out when
    the country is given. Other countries are checked where python-stdnum knows their format
    (`GB`, `CH`, `NO`...), else only for shape.
    """
    number = compact(value)
    prefix = number[:2]
    members = {p.upper() for p in eu_vat.MEMBER_STATES}
    if prefix in (members - {"GR"}) | {"EL"}:
        issuing = _VAT_PREFIX_TO_COUNTRY.get(prefix, prefix)
        if country and country != issuing:
            raise ValueError(
                f"a VAT number starting {prefix} is issued by {issuing}, not {country}"
            )
    elif country in members:
        issuing = country
        number = _COUNTRY_TO_VAT_PREFIX.get(country, country) + number
    else:
        if country is None and prefix.isalpha() and is_country(prefix):
            country = prefix  # e.g. GB980780684
        return _other_vat(number, country), country
    try:
        return eu_vat.validate(number), issuing
    except ValidationError as exc:
        raise ValueError(_stdnum_message(exc, f"{issuing} VAT number")) from None


def _other_vat(number: str, country: str | None) -> str:
    module = _country_module(country, "vat") if country else None
    if module is not None:
        try:
            return str(module.compact(module.validate(number)))
        except ValidationError as exc:
            raise ValueError(_stdnum_message(exc, f"{country} VAT number")) from None
    if not _GENERIC.match(number):
        raise ValueError("a VAT number has 2 to 30 letters and digits")
    return number


def _country_module(country: str, name: str) -> ModuleType | None:
    from stdnum import get_cc_module

    return get_cc_module(country.lower(), name)


def normalise_eori(value: str, country: str | None) -> tuple[str, str | None]:
    """`nl 0044 95445` -> `NL004495445`: a country code and up to 15 letters and digits."""
    number = compact(value)
    match = _EORI.match(number)
    if not match:
        raise ValueError(
            "an EORI number is a 2-letter country code followed by up to 15 letters and digits"
        )
    prefix = match.group(1)
    if not (is_country(prefix) or prefix in _EORI_EXTRA_PREFIXES):
        raise ValueError(f"an EORI number starts with a country code; {prefix} is not one")
    issuing = {"XI": "GB", "EU": None}.get(prefix, prefix)
    if country and issuing and country != issuing:
        raise ValueError(f"an EORI number starting {prefix} is issued by {issuing}, not {country}")
    if prefix in {"GB", "XI"} and not re.fullmatch(r"[0-9]{12}|[0-9]{15}", match.group(2)):
        raise ValueError(f"a {prefix} EORI number has 12 or 15 digits after {prefix}")
    return number, issuing


def normalise_lei(value: str) -> str:
    from stdnum import lei

    try:
        return str(lei.validate(compact(value)))
    except ValidationError as exc:
        raise ValueError(_stdnum_message(exc, "LEI (ISO 17442)")) from None


def normalise_company_number(value: str, country: str | None) -> str:
    number = compact(value)
    name = _COMPANY_NUMBER_MODULES.get(country or "")
    if name is not None:
        module = importlib.import_module(name)
        try:
            return str(module.compact(module.validate(number)))
        except ValidationError as exc:
            raise ValueError(_stdnum_message(exc, f"{country} company number")) from None
    if not _GENERIC.match(number):
        raise ValueError("a registration number has 2 to 30 letters and digits")
    return number


def normalise_identifier(scheme: str, value: str, country: str | None) -> tuple[str, str | None]:
    """The canonical value and the issuing country (derived from the number where it says)."""
    if scheme == "vat":
        return normalise_vat(value, country)
    if scheme == "eori":
        return normalise_eori(value, country)
    if scheme == "lei":
        return normalise_lei(value), country
    if scheme == "company_number":
        return normalise_company_number(value, country), country
    number = compact(value)
    if not _GENERIC.match(number):
        raise ValueError("an identifier has 2 to 30 letters and digits")
    return number, country


# --- names -------------------------------------------------------------------------------------

# Words of legal forms, compared after accents are folded and dots removed ("S.A." -> "sa").
LEGAL_FORM_WORDS = frozenset(
    (
        "ab",
        "ag",
        "as",
        "asa",
        "bhd",
        "bsc",
        "bv",
        "bvba",
        "cjsc",
        "co",
        "company",
        "corp",
        "corporation",
        "cv",
        "cvba",
        "ehf",
        "eirl",
        "eurl",
        "fzc",
        "fzco",
        "fze",
        "fzllc",
        "gbr",
        "gesmbh",
        "gmbh",
        "inc",
        "incorporated",
        "jsc",
        "kft",
        "kg",
        "kgaa",
        "kk",
        "lda",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "ltda",
        "nv",
        "oao",
        "ojsc",
        "oo",
        "ooo",
        "oy",
        "oyj",
        "pjsc",
        "plc",
        "pllc",
        "pte",
        "pty",
        "sa",
        "sab",
        "sal",
        "sarl",
        "sas",
        "sasu",
        "sca",
        "scs",
        "sl",
        "sna",
        "snc",
        "sp",
        "spa",
        "sprl",
        "srl",
        "sro",
        "tic",
        "ug",
        "ulc",
        "wll",
        "z",
        "zao",
    )
)
_NON_WORD = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A company name reduced for comparison: accents folded, lower case, punctuation and
    legal-form words dropped, `&` read as `and`. `Global Trading Ltd.` and
    `GLOBAL TRADING LIMITED` both give `global trading`."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    folded = folded.replace("&", " and ").replace(".", "")
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w]
    kept = [w for w in words if w not in LEGAL_FORM_WORDS]
    # A name made only of legal-form words ("Company Ltd") keeps them rather than vanish.
    return " ".join(kept or words)
