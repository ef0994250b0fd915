"""Validation and normalisation of identifiers several modules store (containers, vessels, goods).

Each `normalise_*` returns the canonical form or raises ValueError with a message fit for a
field-level error; the canonical form is what is stored and indexed, so the same container is
found however it was typed.
"""

from __future__ import annotations

import re
import string

# ISO 6346 letter values: A=10 upwards, skipping multiples of 11 (11, 22, 33).
_ISO6346_VALUES: dict[str, int] = {}
_value = 10
for _letter in string.ascii_uppercase:
    if _value % 11 == 0:
        _value += 1
    _ISO6346_VALUES[_letter] = _value
    _value += 1
_ISO6346_VALUES.update({d: int(d) for d in string.digits})

_CONTAINER = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")
_SPACES = re.compile(r"[\s\-./]+")


def iso6346_check_digit(first_ten: str) -> int:
    total = sum(_ISO6346_VALUES[c] * 2**i for i, c in enumerate(first_ten))
    return total % 11 % 10


def normalise_container(value: str) -> str:
    """`abc u 123456-7` -> `ABCU1234567`, with the ISO 6346 check digit verified."""
    number = _SPACES.sub("", value).upper()
    if not _CONTAINER.match(number):
        raise ValueError(
            "a container number is 3 owner letters, a category letter (U, J, Z or R), "
            "6 digits and a check digit"
        )
    if iso6346_check_digit(number[:10]) != int(number[10]):
        raise ValueError(f"check digit of container {number} is wrong (ISO 6346)")
    return number


def imo_check_digit(first_six: str) -> int:
    return sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True)) % 10


def normalise_imo(value: str) -> str:
    """`IMO 9074729` or `9074729` -> `9074729`, check digit verified."""
    digits = _SPACES.sub("", value).upper().removeprefix("IMO")
    if not re.fullmatch(r"[0-9]{7}", digits):
        raise ValueError("an IMO number has 7 digits")
    if imo_check_digit(digits[:6]) != int(digits[6]):
        raise ValueError(f"check digit of IMO number {digits} is wrong")
    return digits


def normalise_hs_code(value: str) -> str:
    """Harmonized System code: 2, 4 or 6 digits (national extensions up to 10), dots allowed."""
    digits = _SPACES.sub("", value)
    if not re.fullmatch(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{8}|[0-9]{10}", digits):
        raise ValueError("an HS code has 2, 4, 6, 8 or 10 digits (e.g. 2402.20 or 240220)")
    if not 1 <= int(digits[:2]) <= 97 or digits[:2] == "77":
        raise ValueError(f"HS chapter {digits[:2]} does not exist")
    return digits


def normalise_plate(value: str) -> str:
    """Vehicle plates compare without case, spaces or dashes."""
    plate = _SPACES.sub("", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{2,12}", plate):
        raise ValueError("a plate has 2 to 12 letters and digits")
    return plate
