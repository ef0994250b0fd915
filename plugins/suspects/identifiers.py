"""Identifiers of the suspects database that core/identifiers.py does not cover: VINs, MMSIs,
aircraft registrations and identity document numbers. Each returns the canonical form or raises
ValueError with a message fit for a field-level error."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-./]+")

# ISO 3779 transliteration of letters for the VIN check digit (I, O and Q are not allowed).
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(value: str) -> str:
    """17 characters without I, O, Q (ISO 3779). The check digit (9th character) is mandatory
    for vehicles made for North America (world manufacturer identifiers starting 1-5) and
    verified for them; elsewhere the 9th character is free and is not checked."""
    vin = _SEPARATORS.sub("", value).upper()
    if not _VIN.match(vin):
        raise ValueError("a VIN has 17 letters and digits, without I, O or Q")
    if vin[0] in "12345" and vin_check_digit(vin) != vin[8]:
        raise ValueError(f"check digit of VIN {vin} is wrong (9th character)")
    return vin


def normalise_mmsi(value: str) -> str:
    """Maritime Mobile Service Identity: 9 digits, a ship's starting with its MID (2 to 7)."""
    digits = _SEPARATORS.sub("", value)
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise ValueError("an MMSI has 9 digits")
    if digits[0] not in "234567":
        raise ValueError("a ship's MMSI starts with its maritime identification digits (2 to 7)")
    return digits


def normalise_registration(value: str) -> str:
    """Aircraft registration, upper case without spaces (`f-gkxa` -> `F-GKXA`); the hyphen is
    kept as typed and ignored when registrations are compared (see `registration_key`)."""
    text = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}", text) or len(text) > 10:
        raise ValueError("an aircraft registration is a nationality mark and letters or digits")
    return text


def registration_key(registration: str) -> str:
    """Registrations compare without the hyphen (`F-GKXA` and `FGKXA` are the same aircraft)."""
    return registration.replace("-", "")


def normalise_document_number(value: str) -> str:
    """Identity document numbers compare without case, spaces or separators."""
    number = _SEPARATORS.sub("", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{2,40}", number):
        raise ValueError("a document number has 2 to 40 letters and digits")
    return number
