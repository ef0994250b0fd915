"""Possible duplicates of a person: the same identity document (number and issuing country), or
a similar name with a compatible date of birth (see names.py for the matching rules).

Candidates come from two indexed lookups (documents, phonetic name keys), capped, then scored in
Python; only persons the caller may see are returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.gql.context import Principal
from core.records import given
from plugins.suspects import access
from plugins.suspects.inputs import PersonInput
from plugins.suspects.loaders import with_children
from plugins.suspects.models import Person, PersonDocument, PersonNameKey
from plugins.suspects.names import BirthDate, NameVariant, name_keys, person_score
from plugins.suspects.validation import parse_birth

MAX_CANDIDATES = 200
MAX_RESULTS = 10


@dataclass(frozen=True)
class Profile:
    """What the duplicate check compares: names, date of birth, documents."""

    variants: tuple[NameVariant, ...]
    birth: BirthDate
    documents: tuple[tuple[str, str], ...]  # (normalised number, issuing country)


@dataclass(frozen=True)
class Duplicate:
    person: Person
    score: float
    reasons: tuple[str, ...]


def variants_of(
    family: str | None,
    given: str | None,
    transliteration: str | None,
    aliases: Sequence[str],
    original_script: str | None = None,
) -> tuple[NameVariant, ...]:
    found = [NameVariant.of(family, given)]
    found += [NameVariant.free(n) for n in (transliteration, original_script, *aliases) if n]
    return tuple(v for v in found if not v.empty)


def profile_of_input(data: PersonInput) -> Profile:
    """The profile of an input not saved yet (`possiblePersonDuplicates`)."""
    parts = parse_birth(data.date_of_birth if given(data.date_of_birth) else None)

    def value(name: str) -> Any:
        item = getattr(data, name)
        return None if not given(item) else item

    return Profile(
        variants=variants_of(
            value("family_name"),
            value("given_names"),
            value("transliteration"),
            value("aliases") or [],
            value("original_script_name"),
        ),
        birth=BirthDate(parts.year, parts.month, parts.day),
        documents=tuple((d.number, d.issuing_country) for d in value("documents") or []),
    )


def profile_of(person: Person) -> Profile:
    return Profile(
        variants=variants_of(
            person.family_name,
            person.given_names,
            person.transliteration,
            [a.name for a in person.aliases],
            person.original_script_name,
        ),
        birth=BirthDate(person.birth_year, person.birth_month, person.birth_day),
        documents=tuple((d.number, d.issuing_country) for d in person.documents),
    )


async def find(
    session: AsyncSession,
    principal: Principal,
    profile: Profile,
    *,
    exclude: int | None = None,
) -> list[Duplicate]:
    keys = sorted(name_keys(profile.variants))
    candidate_ids: set[int] = set()
    by_document: set[int] = set()
    if profile.documents:
        rows = await session.scalars(
            select(PersonDocument.person_id)
            .where(
                or_(
                    *(
                        and_(
                            PersonDocument.number == number,
                            PersonDocument.issuing_country == country,
                        )
                        for number, country in profile.documents
                    )
                )
            )
            .limit(MAX_CANDIDATES)
        )
        by_document = set(rows)
        candidate_ids |= by_document
    if keys:
        rows = await session.scalars(
            select(PersonNameKey.person_id)
            .where(PersonNameKey.key.in_(keys))
            .distinct()
            .limit(MAX_CANDIDATES)
        )
        candidate_ids |= set(rows)
    candidate_ids.discard(exclude)  # type: ignore[arg-type]
    if not candidate_ids:
        return []
    query = with_children(select(Person).where(Person.id.in_(sorted(candidate_ids))))
    if principal.can(access.VIEW):
        query = query.where(access.visible_filter(principal))
    else:
        return []
    result: list[Duplicate] = []
    for person in (await session.scalars(query)).all():
        other = profile_of(person)
        reasons: list[str] = []
        score = 0.0
        if person.id in by_document:
            reasons.append("document")
            score = 100.0
        name_score = person_score(profile.variants, profile.birth, other.variants, other.birth)
        if name_score:
            reasons.append("name")
            score = max(score, name_score)
        if reasons:
            result.append(Duplicate(person, score, tuple(reasons)))
    result.sort(key=lambda d: (-d.score, d.person.id))
    return result[:MAX_RESULTS]
