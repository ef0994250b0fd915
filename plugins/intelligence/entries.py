"""Watch-list entries: what each kind may hold, checked once here for GraphQL and imports, and
turned into the profile screening compares (`core.matching`).

An entry's `data` keeps the values as entered: `names` (a person's names and aliases, a
company's names, a vessel's name), `birthDate` (YYYY, YYYY-MM or YYYY-MM-DD), `nationalities`
(ISO 3166 alpha-2), `identifiers` (`{family, value}`, families of core.matching) and `terms`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pycountry

from core.gql.errors import InputError
from core.identifiers import normalise_container, normalise_imo
from core.matching.names import fold
from core.matching.profile import BirthDate, Identifier, Name, Profile
from plugins.intelligence.models import WatchListEntry

FAMILIES_OF_KIND: dict[str, tuple[str, ...]] = {
    "person": ("document", "phone", "email"),
    "company": ("company", "phone", "email"),
    "conveyance": ("plate", "vin", "imo", "mmsi", "container"),
    "term": (),
}
MAX_ITEMS = 50
MAX_TEXT = 300
_STRICT = {"container": normalise_container, "imo": normalise_imo}


@dataclass
class EntryData:
    """An entry as given (GraphQL input, a row of an import), before checks."""

    kind: str
    names: list[str] = field(default_factory=list)
    birth_date: str | None = None
    nationalities: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (family, value)
    terms: list[str] = field(default_factory=list)


def _texts(values: list[str], path: str, *, minimum: int = 1) -> list[str]:
    if len(values) > MAX_ITEMS:
        raise InputError(f"at most {MAX_ITEMS} values", field=path)
    kept: list[str] = []
    for n, value in enumerate(values):
        text = " ".join(value.split())
        if len(text) > MAX_TEXT:
            raise InputError(f"at most {MAX_TEXT} characters", field=f"{path}[{n}]")
        if len(fold(text).replace(" ", "")) < minimum:
            raise InputError("nothing to match in this value", field=f"{path}[{n}]")
        if text not in kept:
            kept.append(text)
    return kept


def check(data: EntryData, path: str = "") -> dict[str, Any]:
    """The stored `data` of a valid entry; InputError naming the field otherwise."""
    prefix = f"{path}." if path else ""
    if data.kind not in FAMILIES_OF_KIND:
        raise InputError(f"kind must be one of {sorted(FAMILIES_OF_KIND)}", field=f"{prefix}kind")
    names = _texts(data.names, f"{prefix}names", minimum=2)
    terms = _texts(data.terms, f"{prefix}terms", minimum=2)
    birth = None
    if data.birth_date:
        if data.kind != "person":
            raise InputError("only persons have a date of birth", field=f"{prefix}birthDate")
        try:
            parsed = BirthDate.parse(data.birth_date)
        except ValueError as exc:
            raise InputError(str(exc), field=f"{prefix}birthDate") from None
        birth = str(parsed) if parsed else None
    nationalities: list[str] = []
    for n, code in enumerate(data.nationalities):
        upper = code.strip().upper()
        if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
            raise InputError("not an ISO 3166 country code", field=f"{prefix}nationalities[{n}]")
        if data.kind != "person":
            raise InputError("only persons have nationalities", field=f"{prefix}nationalities")
        if upper not in nationalities:
            nationalities.append(upper)
    allowed = FAMILIES_OF_KIND[data.kind]
    identifiers: list[dict[str, str]] = []
    if len(data.identifiers) > MAX_ITEMS:
        raise InputError(f"at most {MAX_ITEMS} identifiers", field=f"{prefix}identifiers")
    for n, (family, value) in enumerate(data.identifiers):
        where = f"{prefix}identifiers[{n}]"
        if family not in allowed:
            raise InputError(
                f"a {data.kind} entry holds identifiers of {', '.join(allowed) or 'no family'}",
                field=f"{where}.family",
            )
        strict = _STRICT.get(family)
        if strict is not None:
            try:
                strict(value)
            except ValueError as exc:
                raise InputError(str(exc), field=f"{where}.value") from None
        if Identifier.of(family, value, where) is None:
            raise InputError("nothing to match in this identifier", field=f"{where}.value")
        identifiers.append({"family": family, "value": " ".join(value.split())})
    if data.kind == "term":
        if names or identifiers:
            raise InputError("a term entry holds terms only", field=f"{prefix}names")
        if not terms:
            raise InputError("a term entry needs a term", field=f"{prefix}terms", code="REQUIRED")
    elif not names and not identifiers:
        raise InputError(
            f"a {data.kind} entry needs a name or an identifier",
            field=f"{prefix}names",
            code="REQUIRED",
        )
    return {
        "names": names,
        "birthDate": birth,
        "nationalities": nationalities,
        "identifiers": identifiers,
        "terms": terms,
    }


def label_of(kind: str, data: dict[str, Any]) -> str:
    """What lists show for an entry: its first name, identifier or term."""
    if data.get("names"):
        return str(data["names"][0])[:MAX_TEXT]
    if data.get("identifiers"):
        first = data["identifiers"][0]
        return f"{first['family']} {first['value']}"[:MAX_TEXT]
    return ", ".join(data.get("terms", []))[:MAX_TEXT]


def profile_of(entry: WatchListEntry | Any) -> Profile:
    """An entry's profile; `entry` is a row or anything with its `id`, `kind` and `data`."""
    data = entry.data or {}
    birth = BirthDate.parse(data.get("birthDate")) if data.get("birthDate") else None
    identifiers = (
        Identifier.of(i["family"], i["value"], f"identifiers[{n}]")
        for n, i in enumerate(data.get("identifiers", []))
    )
    return Profile(
        entity_type="WatchListEntry",
        id=str(entry.id),
        schema=entry.kind,
        names=tuple(Name(v, f"names[{n}]") for n, v in enumerate(data.get("names", []))),
        birth=birth,
        nationalities=frozenset(data.get("nationalities", [])),
        identifiers=tuple(i for i in identifiers if i is not None),
        terms=tuple(fold(t) for t in data.get("terms", []) if fold(t)),
    )
