"""Persons and conveyances as matching sees them (`core.matching`): every name a person goes by
(structured name both ways round, original script, transliteration, aliases), the date of birth
as far as it is known, nationalities, document numbers, phones and e-mail; a conveyance's plate,
VIN, IMO, MMSI, registration or container number, and a vessel's name."""

from __future__ import annotations

from core.matching.profile import BirthDate, Profile, identifiers, names, text_of
from plugins.suspects.models import Conveyance, Person


def person_profile(person: Person) -> Profile:
    full = " ".join(p for p in (person.given_names, person.family_name) if p)
    return Profile(
        entity_type="Person",
        id=str(person.id),
        schema="person",
        names=names(
            (full, "familyName"),
            (person.original_script_name, "originalScriptName"),
            (person.transliteration, "transliteration"),
            *((a.name, f"aliases[{n}]") for n, a in enumerate(person.aliases)),
        ),
        birth=BirthDate(person.birth_year, person.birth_month, person.birth_day)
        if person.birth_year
        else None,
        nationalities=frozenset(n.country for n in person.nationalities),
        identifiers=identifiers(
            *(
                ("document", d.number, f"documents[{n}].number")
                for n, d in enumerate(person.documents)
            ),
            *(("phone", p.number, f"phones[{n}]") for n, p in enumerate(person.phones)),
            ("email", person.email, "email"),
        ),
        text=text_of(person.occupation, person.birth_place),
    )


def conveyance_profile(row: Conveyance) -> Profile:
    return Profile(
        entity_type=row.kind.title(),
        id=str(row.id),
        schema="conveyance",
        names=names((row.name, "name")),
        countries=frozenset([row.country]) if row.country else frozenset(),
        identifiers=identifiers(
            ("plate", row.plate, "plate"),
            ("plate", row.registration, "registration"),
            ("vin", row.vin, "vin"),
            ("imo", row.imo, "imo"),
            ("mmsi", row.mmsi, "mmsi"),
            ("container", row.container_number, "containerNumber"),
        ),
        text=text_of(row.make, row.model, row.name),
    )
