"""The suspects forms (`formSchema`): they describe exactly the fields of the inputs, with the
required fields, code lists and lengths the API enforces, in three languages; they are absent
when the module is disabled."""

from __future__ import annotations

import re
import uuid
from typing import Any

from core.testing import TestApp, login_as
from plugins.suspects.form import LEFT_OUT
from plugins.suspects.inputs import IdentityDocumentInput, PersonAddressInput, PersonInput
from plugins.suspects.validation import person_code_checks
from tests.suspects.helpers import CREATE, CREATE_CONVEYANCE, gql, person_input, suspects_app

FORM = """query($type: String!, $language: String) { formSchema(entityType: $type,
  language: $language) { fields { name type required codeList label nominal maxLength } } }"""
INPUT_FIELDS = """query($name: String!) { __type(name: $name) { inputFields { name
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"""
CONVEYANCE_FORMS = ("Vehicle", "Vessel", "Aircraft", "Container")
# How a list of input objects is named in the form: `documents[].number` is `documentNumber`.
LINE_PREFIX = {"documents": "document", "addresses": "address"}


def form_name(path: str) -> str:
    """The form field describing an input path: `documents[0].type` -> `documentType`."""
    head, _, leaf = re.sub(r"\[\d*\]", "", path).partition(".")
    return LINE_PREFIX[head] + leaf[:1].upper() + leaf[1:] if leaf else head


async def form(app: TestApp, entity_type: str, language: str = "en") -> dict[str, dict]:
    body = await app.gql(FORM, {"type": entity_type, "language": language})
    return {f["name"]: f for f in body["data"]["formSchema"]["fields"]}


async def input_paths(app: TestApp, type_name: str, token: str | None = None) -> set[str]:
    """The input's fields as the API exposes them, with `list[].field` for lines of lists
    (introspected as a signed-in caller: anonymous ones get no introspection by default)."""
    token = token or await login_as(app, f"reader-{uuid.uuid4().hex[:8]}")
    body = await app.gql(INPUT_FIELDS, {"name": type_name}, token=token)
    paths = set()
    for field in body["data"]["__type"]["inputFields"]:
        named, is_list = field["type"], False
        while named["name"] is None:
            is_list = is_list or named["kind"] == "LIST"
            named = named["ofType"]
        if named["kind"] == "INPUT_OBJECT":
            suffix = "[]" if is_list else ""
            nested = await input_paths(app, named["name"], token)
            paths |= {f"{field['name']}{suffix}.{leaf}" for leaf in nested}
        else:
            paths.add(field["name"])
    return paths


async def test_forms_describe_every_input_field(make_app):
    app = await suspects_app(make_app)
    person = await form(app, "Person")
    expected = {form_name(p) for p in await input_paths(app, "PersonInput")}
    assert set(person) == expected - set(LEFT_OUT["Person"])

    kinds = {t: list(await form(app, t)) for t in CONVEYANCE_FORMS}
    assert kinds == {
        "Vehicle": ["plate", "make", "model", "vin", "country", "notes"],
        "Vessel": ["name", "imo", "mmsi", "country", "notes"],
        "Aircraft": ["registration", "country", "notes"],
        "Container": ["containerNumber", "notes"],
    }
    conveyance = await input_paths(app, "MeansOfConveyanceInput")
    described = {name for names in kinds.values() for name in names}
    assert described == conveyance - set(LEFT_OUT["MeansOfConveyance"])


async def test_required_nominal_and_code_lists_match_the_api(make_app):
    app = await suspects_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    person = await form(app, "Person")
    assert {n for n, f in person.items() if f["required"]} == {"category", "familyName"}
    missing = await gql(app, CREATE, {"input": {}}, token=officer, expect_errors=True)
    assert missing["errors"][0]["extensions"]["field"] == "familyName"
    missing = await gql(
        app, CREATE, {"input": {"familyName": "X"}}, token=officer, expect_errors=True
    )
    assert missing["errors"][0]["extensions"]["field"] == "category"

    # Personal data as the model tags it: all but the category, a document's type and the
    # review date.
    assert {n for n, f in person.items() if not f["nominal"]} == {
        "category",
        "documentType",
        "reviewDate",
    }

    # The code lists are those validation checks the input against.
    every_code = PersonInput(
        gender="x",
        birth_country="x",
        nationalities=["x"],
        documents=[IdentityDocumentInput(type="x", number="x", issuing_country="x")],
        addresses=[PersonAddressInput(country="x")],
    )
    checked = {form_name(c.field): c.list for c in person_code_checks(every_code)}
    assert checked == {n: f["codeList"] for n, f in person.items() if f["type"] == "code"}
    assert checked["documentType"] == "suspects_document_types"

    vehicle = await form(app, "Vehicle")
    assert vehicle["country"]["codeList"] == "countries"
    assert (vehicle["plate"]["nominal"], vehicle["make"]["nominal"]) == (True, False)
    unknown = await gql(
        app,
        CREATE_CONVEYANCE,
        {"input": {"kind": "VEHICLE", "plate": "AB-123-CD", "country": "ZZ"}},
        token=officer,
        expect_errors=True,
    )
    assert unknown["errors"][0]["extensions"]["list"] == vehicle["country"]["codeList"]
    required = {
        t: [n for n, f in (await form(app, t)).items() if f["required"]] for t in CONVEYANCE_FORMS
    }
    # A vehicle needs a plate with its country or a VIN, a vessel a name or an IMO number: no
    # single field is required.
    assert required == {
        "Vehicle": [],
        "Vessel": [],
        "Aircraft": ["registration"],
        "Container": ["containerNumber"],
    }
    for kind, field in (("Aircraft", "registration"), ("Container", "containerNumber")):
        body = await gql(
            app,
            CREATE_CONVEYANCE,
            {"input": {"kind": kind.upper()}},
            token=officer,
            expect_errors=True,
        )
        assert body["errors"][0]["extensions"] == {"code": "REQUIRED", "field": field}


def text(limit: int) -> str:
    """`limit` characters of words (short words: one long token makes a long phonetic key)."""
    return ("Abcdefghi " * 2_000)[: limit - 1] + "x"


async def test_every_announced_length_is_accepted(make_app):
    """Up to the column: PostgreSQL refuses longer values, so a form must not announce more."""
    app = await suspects_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    lengths = {n: f["maxLength"] for n, f in (await form(app, "Person")).items() if f["maxLength"]}
    top = ("givenNames", "originalScriptName", "transliteration", "birthPlace", "occupation")
    top += ("assessment",)
    line = {"addressLine": "line", "addressCity": "city", "addressPostalCode": "postalCode"}
    # Each length has a value below (the family name's: the next test).
    assert set(lengths) == {*top, *line, "familyName", "aliases", "dateOfBirth", "email"}
    assert (lengths["familyName"], lengths["originalScriptName"]) == (200, 200)
    longest: dict[str, Any] = person_input(
        **{name: text(lengths[name]) for name in top},
        aliases=[text(lengths["aliases"])],
        dateOfBirth="1984-03-02",
        email="a" * 64 + "@" + "b" * (lengths["email"] - 69) + ".org",
        addresses=[{key: text(lengths[name]) for name, key in line.items()} | {"country": "FR"}],
    )
    assert len(longest["email"]) == lengths["email"] and len(longest["dateOfBirth"]) == 10
    await gql(app, CREATE, {"input": longest}, token=officer)

    vehicle, vessel = await form(app, "Vehicle"), await form(app, "Vessel")
    limits = {n: f["maxLength"] for n, f in (vehicle | vessel).items() if f["maxLength"]}
    assert limits == {"make": 80, "model": 80, "name": 200}
    inputs = [
        {"kind": "VEHICLE", "vin": "WVWZZZ1JZXW000001"}
        | {"make": text(limits["make"]), "model": text(limits["model"])},
        {"kind": "VESSEL", "name": text(limits["name"])},
    ]
    for data in inputs:
        await gql(app, CREATE_CONVEYANCE, {"input": data}, token=officer)


async def test_a_family_name_of_the_announced_length_is_accepted(make_app):
    """One 200-letter word: its phonetic key is longer than the key column, and is cut to it."""
    app = await suspects_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    limit = (await form(app, "Person"))["familyName"]["maxLength"]
    data = person_input(familyName=("Abcdefghijk" * 30)[:limit])
    await gql(app, CREATE, {"input": data}, token=officer)


async def test_longer_than_announced_is_a_field_error_and_writes_nothing(make_app):
    app = await suspects_app(make_app)
    officer = await login_as(app, "officer1", "officer")
    person = await form(app, "Person")
    too_long = {
        "aliases[0]": {"aliases": ["x" * (person["aliases"]["maxLength"] + 1)]},
        "addresses[0].line": {"addresses": [{"line": "x" * 301, "country": "FR"}]},
        "addresses[0].city": {"addresses": [{"city": "x" * 121, "country": "FR"}]},
        "addresses[0].postalCode": {"addresses": [{"postalCode": "1" * 21, "country": "FR"}]},
        "email": {"email": "a" * 250 + "@b.org"},
        "familyName": {"familyName": "x" * 201},
    }
    for field, overrides in too_long.items():
        body = await gql(
            app, CREATE, {"input": person_input(**overrides)}, token=officer, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["field"] == field, body
    conveyances = {
        "make": {"kind": "VEHICLE", "vin": "WVWZZZ1JZXW000001", "make": "x" * 81},
        "model": {"kind": "VEHICLE", "vin": "WVWZZZ1JZXW000001", "model": "x" * 81},
        "name": {"kind": "VESSEL", "name": "x" * 201},
    }
    for field, data in conveyances.items():
        body = await gql(app, CREATE_CONVEYANCE, {"input": data}, token=officer, expect_errors=True)
        assert body["errors"][0]["extensions"]["field"] == field, body
    listed = await gql(app, "{ persons { totalCount } }", token=officer)
    assert listed["data"]["persons"]["totalCount"] == 0


async def test_labels_in_three_languages(make_app):
    app = await suspects_app(make_app)
    labels = {}
    for language in ("en", "fr", "es"):
        fields = await form(app, "Person", language)
        assert all(f["label"] != name for name, f in fields.items())  # no field lacks a label
        labels[language] = {n: fields[n]["label"] for n in ("familyName", "documentNumber")}
        labels[language]["flag"] = (await form(app, "Vessel", language))["country"]["label"]
    assert labels == {
        "en": {"familyName": "Family name", "documentNumber": "Document number", "flag": "Flag"},
        "fr": {
            "familyName": "Nom de famille",
            "documentNumber": "Numéro de la pièce",
            "flag": "Pavillon",
        },
        "es": {
            "familyName": "Apellidos",
            "documentNumber": "Número del documento",
            "flag": "Pabellón",
        },
    }


async def test_no_form_when_suspects_is_disabled(make_app):
    app = await make_app(modules=["seizures"])
    for entity_type in ("Person", *CONVEYANCE_FORMS):
        body = await app.gql(FORM, {"type": entity_type})
        assert body["data"]["formSchema"] is None
    assert (await form(app, "Seizure"))["placeCountry"]["codeList"] == "countries"
