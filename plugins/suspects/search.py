"""Search documents of persons and conveyances.

Persons: names with aliases, transliterations and the ASCII folding of every name (so fuzzy
queries such as `alhasan~` reach `Аль-Хасан`) in title and content; document numbers as exact
`identifiers`; nationalities as `countries`; category and status as `codes`. Drafts carry the
audience of their author. Hits are visible only with `suspects.view` (the type's permission),
and each person served as a hit is audited by `Person.resolve_nodes`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.record_ids import record_ids
from core.search import SearchDocument, SearchType
from plugins.suspects import access
from plugins.suspects.loaders import with_children
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


async def fetch_persons(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
    wanted = record_ids(ids)
    rows = (await session.scalars(with_children(select(Person).where(Person.id.in_(wanted))))).all()
    return [person_document(p) for p in rows]


async def _ids(
    session: AsyncSession, batch_size: int, model: type, *where: object
) -> AsyncIterator[Sequence[str]]:
    last = 0
    while True:
        batch = (
            await session.scalars(
                select(model.id).where(model.id > last, *where).order_by(model.id).limit(batch_size)  # type: ignore[attr-defined]
            )
        ).all()
        if not batch:
            return
        yield [str(i) for i in batch]
        last = batch[-1]


def person_ids(session: AsyncSession, batch_size: int) -> AsyncIterator[Sequence[str]]:
    return _ids(session, batch_size, Person)


async def count_persons(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Person)) or 0


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


def conveyance_type(kind: str) -> SearchType:
    async def fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
        wanted = record_ids(ids)
        rows = (
            await session.scalars(
                select(Conveyance).where(Conveyance.id.in_(wanted), Conveyance.kind == kind)
            )
        ).all()
        return [conveyance_document(r) for r in rows]

    def ids(session: AsyncSession, batch_size: int) -> AsyncIterator[Sequence[str]]:
        return _ids(session, batch_size, Conveyance, Conveyance.kind == kind)

    async def count(session: AsyncSession) -> int:
        return (
            await session.scalar(
                select(func.count()).select_from(Conveyance).where(Conveyance.kind == kind)
            )
            or 0
        )

    return SearchType(
        entity_type=kind.title(),
        module=MODULE,
        permission=access.VIEW,
        fetch=fetch,
        ids=ids,
        count=count,
    )


SEARCH_TYPES = [
    SearchType(
        entity_type=access.PERSON,
        module=MODULE,
        permission=access.VIEW,
        fetch=fetch_persons,
        ids=person_ids,
        count=count_persons,
        audience=access.audience,
    ),
    *(conveyance_type(kind) for kind in ("vehicle", "vessel", "aircraft", "container")),
]
