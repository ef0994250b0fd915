"""Search documents of persons and conveyances.

Persons: names with aliases, transliterations and the ASCII folding of every name (so fuzzy
queries such as `alhasan~` reach `Аль-Хасан`) in title and content; document numbers as exact
`identifiers`; nationalities as `countries`; category and status as `codes`. Drafts carry the
audience of their author. Hits are visible only with `suspects.view` (the type's permission),
and each person served as a hit is audited by `Person.resolve_nodes`. Fetching and rebuilding
are core's (`core.records.search`).
"""

from __future__ import annotations

from core.search import SearchDocument
from plugins.suspects import access
from plugins.suspects.models import Conveyance, Person
from plugins.suspects.names import fold
from plugins.suspects.types import format_birth

MODULE = "suspects"


def person_document(person: Person) -> SearchDocument:
    names = [
        " ".join(filter(None, (person.given_names, person.family_name))),
        person.original_script_name,
        person.transliteration,
        *(a.name for a in person.aliases),
    ]
    names = [n for n in names if n]
    folded = sorted({fold(n) for n in names} - {n.lower() for n in names} - {""})
    birth = format_birth(person.birth_year, person.birth_month, person.birth_day)
    content = "\n".join(
        filter(None, [*names[1:], *folded, birth, person.birth_place, person.occupation])
    )
    return SearchDocument(
        entity_type=access.PERSON,
        id=str(person.id),
        module=MODULE,
        title=names[0],
        content=content,
        date=None,
        keywords={
            "countries": sorted({n.country for n in person.nationalities}),
            "codes": sorted({person.category, f"status:{person.status}"}),
            "identifiers": sorted(
                {d.number for d in person.documents} | {p.number for p in person.phones}
            ),
        },
        audience=[f"user:{person.created_by}"] if person.status == "draft" else None,
    )


def conveyance_document(row: Conveyance) -> SearchDocument:
    label = {
        "vehicle": " ".join(filter(None, (row.plate, row.make, row.model))),
        "vessel": " ".join(filter(None, (row.name, row.imo and f"IMO {row.imo}"))),
        "aircraft": row.registration or "",
        "container": row.container_number or "",
    }[row.kind]
    identifiers = {
        i
        for i in (row.plate, row.vin, row.imo, row.mmsi, row.registration, row.container_number)
        if i
    }
    if row.registration:
        identifiers.add(row.registration.replace("-", ""))
    return SearchDocument(
        entity_type=row.kind.title(),
        id=str(row.id),
        module=MODULE,
        title=label or row.kind,
        content="\n".join(filter(None, (row.make, row.model, row.name, row.notes))),
        keywords={
            "countries": [row.country] if row.country else [],
            "codes": [row.kind],
            "identifiers": sorted(identifiers),
        },
    )
