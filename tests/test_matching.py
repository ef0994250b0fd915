"""core.matching: names through transliteration and spelling, identifiers by family, the scorer
with its explanation, and blocking that finds candidates without comparing every pair."""

from __future__ import annotations

import datetime as dt

import pytest

from core.matching import CandidateIndex, Profile, Weights, compare, identifier_key, name_similarity
from core.matching.profile import BirthDate, identifiers, names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ivan Petrov", "Petrov Ivan"),  # order of parts
        ("Иван Петров", "Ivan Petrov"),  # Cyrillic
        ("Mohammed Al-Hassan", "Muhammad Alhasan"),  # transliteration, article, spelling
        ("Khaled Qasim", "Haled Kasim"),
    ],
)
def test_the_same_name_written_differently_matches(a: str, b: str) -> None:
    assert name_similarity(a, b) >= Weights().name_min


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ivan Petrov", "Olga Sidorova"), ("Petrov", "Ivan Petrov"), ("John Smith", "Jane Smythe")],
)
def test_other_names_or_a_lone_family_name_do_not_reach_a_match(a: str, b: str) -> None:
    score = name_similarity(a, b)
    assert score * Weights().name < Weights().threshold


def test_company_names_ignore_legal_forms() -> None:
    assert name_similarity("Acme Trading Ltd", "ACME TRADING LIMITED", company=True) == 1.0


@pytest.mark.parametrize(
    ("family", "typed", "key"),
    [
        ("plate", "ab-123 cd", "AB123CD"),
        ("container", "csqu 305438 3", "CSQU3054383"),
        ("imo", "IMO 9074729", "9074729"),
        ("document", "k 1234-567", "K1234567"),
        ("phone", "+962 79 123 4567", "791234567"),
        ("email", " Someone@Example.org ", "someone@example.org"),
    ],
)
def test_identifiers_are_compared_normalised(family: str, typed: str, key: str) -> None:
    assert identifier_key(family, typed) == key


def test_an_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown identifier family"):
        identifier_key("shoe_size", "42")


def _person(pid: str, name: str, born: str | None = None, *nat: str) -> Profile:
    return Profile(
        "Person",
        pid,
        "person",
        names=names((name, "name")),
        birth=BirthDate.parse(born),
        nationalities=frozenset(nat),
    )


def test_a_person_match_is_explained_and_a_contradicting_birth_date_defeats_it() -> None:
    watched = _person("1", "Mohammed Al-Hassan", "1984", "JO")
    same = compare(watched, _person("2", "Muhammad Alhasan", "1984-03-02", "JO", "IQ"))
    assert same.is_match
    assert [f.feature for f in same.features] == ["name", "birth_date", "nationality"]
    assert all(f.contribution > 0 for f in same.features)
    assert "Muhammad Alhasan" in same.explain()
    other = compare(watched, _person("3", "Muhammad Alhasan", "1990", "JO"))
    assert not other.is_match
    assert next(f for f in other.features if f.feature == "birth_date").contribution < 0


def test_an_identifier_matches_across_record_types_and_names_the_fields() -> None:
    entry = Profile(
        "WatchListEntry",
        "1",
        "conveyance",
        identifiers=identifiers(("plate", "AB-123-CD", "identifiers[0]")),
    )
    seizure = Profile(
        "Seizure",
        "9",
        "seizure",
        identifiers=identifiers(("plate", "ab 123cd", "conveyance.identifier")),
    )
    result = compare(entry, seizure)
    assert result.is_match and result.score == 1.0
    assert result.matched_fields == ("conveyance.identifier",)
    [feature] = result.features
    assert (feature.query_value, feature.candidate_value) == ("AB-123-CD", "ab 123cd")


def test_seizures_are_similar_by_route_concealment_goods_and_time() -> None:
    def seizure(sid: str, day: int, route: tuple[str, ...], hs: str) -> Profile:
        return Profile(
            "Seizure",
            sid,
            "seizure",
            date=dt.date(2026, 3, day),
            route=route,
            concealment="container_structure",
            hs_codes=frozenset([hs]),
        )

    a = seizure("1", 1, ("CO", "PA", "NL"), "293972")
    close = compare(a, seizure("2", 5, ("CO", "NL"), "293972"))
    far = compare(a, seizure("3", 28, ("CN", "DE"), "240220"))
    assert close.score > far.score
    assert {f.feature for f in close.features} == {"route", "concealment", "hs_code", "time_window"}
    assert close.is_match and not far.is_match


def test_weights_are_applied() -> None:
    entry = Profile("WatchListEntry", "1", "term", terms=("cocaine",))
    record = Profile("Seizure", "1", "seizure", text="12 kg cocaine bricks")
    assert compare(entry, record).is_match
    assert not compare(entry, record, Weights(term=0.5)).is_match


def test_blocking_finds_the_few_candidates_worth_scoring() -> None:
    index = CandidateIndex(
        [_person(str(n), f"Person{n} Family{n % 50}") for n in range(1000)]
        + [_person("target", "Mohammed Al-Hassan", "1984")]
        + [
            Profile(
                "WatchListEntry",
                "plate",
                "conveyance",
                identifiers=identifiers(("plate", "XY-1", "p")),
            )
        ]
    )
    found = index.candidates(_person("q", "Muhammad Alhasan"))
    assert [p.id for p in found] == ["target"]
    by_plate = index.candidates(
        Profile("Seizure", "s", "seizure", identifiers=identifiers(("plate", "xy1", "c")))
    )
    assert [p.id for p in by_plate] == ["plate"]
    assert index.candidates(_person("target", "Mohammed Al-Hassan")) == []  # never itself
