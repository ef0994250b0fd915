"""Possible duplicates on create and update: same document, or a similar name with a compatible
date of birth; never a common family name alone."""

from __future__ import annotations

from plugins.suspects.names import BirthDate, NameVariant, person_score
from tests.suspects.helpers import CREATE, UPDATE, gql, person_input, suspects_app, tokens

CHECK = """query($input: PersonInput!) { possiblePersonDuplicates(input: $input) {
  score reasons person { id familyName } } }"""


async def test_duplicates_by_name_document_and_not_by_family_name_alone(make_app):
    app = await suspects_app(make_app)
    who = await tokens(app)
    existing = (await gql(app, CREATE, {"input": person_input()}, token=who["officer"]))["data"][
        "createPerson"
    ]

    # Transliteration and typo: "Mohammed Al-Hassan, 1984" finds "Muhammad Alhasan, 1984-03-02".
    body = await gql(
        app,
        CREATE,
        {
            "input": person_input(
                familyName="Al-Hassan",
                givenNames="Mohammed",
                dateOfBirth="1984",
                documents=[],
                phones=[],
            )
        },
        token=who["officer"],
    )
    found = body["data"]["createPerson"]["possibleDuplicates"]
    assert [d["person"]["id"] for d in found] == [existing["id"]]
    assert found[0]["reasons"] == ["name"]

    # The same document number and country, typed differently, whatever the name.
    body = await gql(
        app,
        CREATE,
        {
            "input": person_input(
                familyName="Brown",
                givenNames="Tom",
                dateOfBirth=None,
                documents=[{"type": "passport", "number": "K-1234567", "issuingCountry": "JO"}],
            )
        },
        token=who["officer"],
    )
    found = body["data"]["createPerson"]["possibleDuplicates"]
    assert existing["id"] in [d["person"]["id"] for d in found]
    assert "document" in next(d for d in found if d["person"]["id"] == existing["id"])["reasons"]

    # Same number in another country: a different document.
    check = await gql(
        app,
        CHECK,
        {
            "input": {
                "familyName": "Green",
                "documents": [{"type": "passport", "number": "K1234567", "issuingCountry": "IQ"}],
            }
        },
        token=who["officer"],
    )
    assert check["data"]["possiblePersonDuplicates"] == []

    # A common family name and nothing else: never flagged.
    for given in ("John", "Peter"):
        await gql(
            app,
            CREATE,
            {"input": {"category": "WITNESS", "familyName": "Smith", "givenNames": given}},
            token=who["officer"],
        )
    lone = await gql(
        app, CREATE, {"input": {"category": "SUSPECT", "familyName": "Smith"}}, token=who["officer"]
    )
    assert lone["data"]["createPerson"]["possibleDuplicates"] == []
    other = await gql(
        app,
        CHECK,
        {"input": {"familyName": "Smith", "givenNames": "Mary", "dateOfBirth": "1970"}},
        token=who["officer"],
    )
    assert other["data"]["possiblePersonDuplicates"] == []

    # Update: a change of name that makes it match is reported too (and itself is excluded).
    smith = lone["data"]["createPerson"]
    moved = await gql(
        app,
        UPDATE,
        {
            "id": smith["id"],
            "version": 1,
            "input": {"familyName": "Alhassan", "givenNames": "Mohamed", "dateOfBirth": "1984-03"},
        },
        token=who["officer"],
    )
    ids = [d["person"]["id"] for d in moved["data"]["updatePerson"]["possibleDuplicates"]]
    assert existing["id"] in ids and smith["id"] not in ids


def test_name_rules():
    hassan = [NameVariant.of("Alhasan", "Muhammad")]
    assert (
        person_score(
            [NameVariant.of("Al-Hassan", "Mohammed")],
            BirthDate(1984),
            hassan,
            BirthDate(1984, 3, 2),
        )
        > 85
    )
    # Original script (Cyrillic) as a free name.
    assert (
        person_score(
            [NameVariant.free("Мухаммад Аль-Хасан")], BirthDate(1984), hassan, BirthDate(1984, 3, 2)
        )
        > 85
    )
    # Incompatible dates of birth.
    assert (
        person_score(
            [NameVariant.of("Al-Hassan", "Mohammed")],
            BirthDate(1985),
            hassan,
            BirthDate(1984, 3, 2),
        )
        == 0
    )
    assert (
        person_score(
            [NameVariant.of("Alhasan", "Muhammad")],
            BirthDate(1984, 4),
            hassan,
            BirthDate(1984, 3, 2),
        )
        == 0
    )
    # Same family name, different given names; or family name only.
    assert (
        person_score(
            [NameVariant.of("Smith", "John")],
            BirthDate(1970),
            [NameVariant.of("Smith", "Peter")],
            BirthDate(1970),
        )
        == 0
    )
    assert (
        person_score(
            [NameVariant.of("Smith", None)],
            BirthDate(),
            [NameVariant.of("Smith", None)],
            BirthDate(),
        )
        == 0
    )
    # Similar but not identical names without any date of birth: not flagged.
    assert (
        person_score([NameVariant.of("Al-Hassan", "Mohammed")], BirthDate(), hassan, BirthDate())
        == 0
    )
