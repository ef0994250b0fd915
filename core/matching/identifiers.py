"""Identifiers compared by family: a plate typed `AB-123 cd` in a seizure and `ab123cd` in a
watch list are one key. Where core knows the format (containers, IMO numbers, plates) the value
goes through `core.identifiers`; anything else is compared upper-cased without spaces and
punctuation, so a badly typed value still matches its twin rather than nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.identifiers import normalise_container, normalise_imo, normalise_plate

# Family -> what it holds. Keys of different families never match each other.
FAMILIES: dict[str, str] = {
    "plate": "vehicle plates, aircraft registrations, conveyance identifiers",
    "vin": "vehicle identification numbers",
    "imo": "IMO ship numbers",
    "mmsi": "maritime mobile service identities",
    "container": "ISO 6346 container numbers",
    "document": "passport, identity card and other document numbers",
    "company": "company registration identifiers (VAT, EORI, LEI, registry numbers)",
    "phone": "telephone numbers",
    "email": "e-mail addresses",
}
_NOT_KEY = re.compile(r"[^A-Z0-9]+")
_STRICT: dict[str, Callable[[str], str]] = {
    "container": normalise_container,
    "imo": normalise_imo,
    "plate": normalise_plate,
}


def compact(value: str) -> str:
    return _NOT_KEY.sub("", value.upper())


def identifier_key(family: str, value: str | None) -> str | None:
    """The normalised form of `value` in `family`, or None when nothing identifying is left."""
    if family not in FAMILIES:
        raise ValueError(f"unknown identifier family {family!r}; known: {sorted(FAMILIES)}")
    if not value or not value.strip():
        return None
    if family == "email":
        key = value.strip().lower()
        return key if "@" in key else None
    if family == "phone":
        digits = re.sub(r"\D+", "", value)
        return digits[-9:] if len(digits) >= 6 else None  # national and international forms
    strict = _STRICT.get(family)
    if strict is not None:
        try:
            return strict(value)
        except ValueError:
            pass
    key = compact(value)
    if family == "imo":
        key = key.removeprefix("IMO")
    return key if len(key) >= 2 else None
