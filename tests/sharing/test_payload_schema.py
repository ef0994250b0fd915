"""The payload format is a documented, versioned JSON schema generated from the projections;
the receiving side refuses any payload with a nominal field, whatever the sender did."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from core.config import BUILTIN_MODULES
from core.instance import Instance
from core.sharing.payload import envelope, payload_schema
from core.sharing.receive import PayloadRefused, check_incoming
from core.testing import make_config

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "sharing-payload.schema.json"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema")
    return Instance(make_config(f"sqlite+aiosqlite:///{path}/ncen.db", path, BUILTIN_MODULES))


def seizure_payload(instance, **data):
    body = {
        "reference": "XX-2026-000001",
        "nationalCaseNumber": None,
        "form": "full",
        "seizureDate": "2026-03-05",
        "seizureTime": None,
        "reportingOffice": None,
        "placeCountry": "NL",
        "placeCode": None,
        "placeName": None,
        "locationType": None,
        "direction": "import",
        "area": "drugs",
        "offenceType": None,
        "detectionMethod": "xray_scanner",
        "concealmentMethod": None,
        "transportMode": None,
        "conveyanceType": None,
        "conveyanceIdentifier": None,
        "vesselImo": None,
        "conveyanceCountry": None,
        "goods": [
            {
                "commodity": "cocaine",
                "hsCode": None,
                "brand": None,
                "quantity": "12.500",
                "unit": "KGM",
                "pieces": None,
                "value": None,
                "currency": None,
            }
        ],
        "route": [],
        "offenders": [
            {
                "count": 2,
                "nationality": "CO",
                "gender": "male",
                "ageBand": "25_34",
                "role": "courier",
            }
        ],
        "containers": [],
        "riskIndicators": [],
        "extensions": {},
        "photos": [],
    }
    body.update(data)
    return envelope(instance, "Seizure", 7, 3, "submission", body)


def test_the_committed_schema_is_the_generated_one(instance):
    generated = payload_schema(instance)
    Draft202012Validator.check_schema(generated)
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == generated, (
        "docs/sharing-payload.schema.json is stale: regenerate it with "
        "`ncen sharing schema > docs/sharing-payload.schema.json`, and raise SCHEMA_VERSION "
        "if a receiver of the old version would refuse the new payloads"
    )


def test_a_well_formed_payload_is_accepted(instance):
    check_incoming(instance, seizure_payload(instance))
    withdrawal = envelope(instance, "Seizure", 7, 4, "withdrawal", None)
    check_incoming(instance, withdrawal)


@pytest.mark.parametrize(
    ("entity_type", "path", "value"),
    [
        ("Seizure", ("internalNotes",), "known to us"),
        ("Person", ("familyName",), "Smith"),
        ("Person", ("documents", 0, "number"), "X1234567"),
        ("Company", ("legalName",), "Acme"),
        ("Company", ("contacts", 0, "value"), "boss@acme.example"),
    ],
)
def test_a_nominal_field_is_refused_by_name(instance, entity_type, path, value):
    if entity_type == "Seizure":
        payload = seizure_payload(instance)
    else:
        payload = envelope(instance, entity_type, 1, 1, "submission", {})
    target = payload["data"]
    for step in path[:-1]:
        target = target.setdefault(step, [{}]) if isinstance(step, str) else target[step]
    target[path[-1]] = value
    with pytest.raises(PayloadRefused) as refused:
        check_incoming(instance, payload)
    assert refused.value.code == "NOMINAL_FIELD"
    assert refused.value.fields == ["data." + ".".join(p for p in path if isinstance(p, str))]


def test_unknown_fields_and_bad_envelopes_are_refused(instance):
    good = seizure_payload(instance)
    cases = []
    unknown = copy.deepcopy(good)
    unknown["data"]["driverName"] = "J. Smith"
    cases.append(unknown)
    nested = copy.deepcopy(good)
    nested["data"]["offenders"][0]["name"] = "J. Smith"
    cases.append(nested)
    wrong_version = copy.deepcopy(good)
    wrong_version["schemaVersion"] = 99
    cases.append(wrong_version)
    no_data = copy.deepcopy(good)
    del no_data["data"]
    cases.append(no_data)
    withdrawal_with_data = copy.deepcopy(good)
    withdrawal_with_data["kind"] = "withdrawal"
    cases.append(withdrawal_with_data)
    for payload in [*cases, "not an object", {"record": {"type": "Nope"}}]:
        with pytest.raises(PayloadRefused) as refused:
            check_incoming(instance, payload)
        assert refused.value.code == "INVALID_PAYLOAD"


def test_a_nominal_extension_field_is_refused(tmp_path):
    from tests.sharing.canary_plugin import CanaryCountryModule

    config = make_config(
        f"sqlite+aiosqlite:///{tmp_path}/ncen.db", tmp_path, ["seizures", "canaryland"]
    )
    instance = Instance(config, extra_modules=[CanaryCountryModule()])
    accepted = seizure_payload(instance, extensions={"customsRegion": "N"})
    check_incoming(instance, accepted)
    payload = seizure_payload(instance, extensions={"informantCode": "INF-77"})
    with pytest.raises(PayloadRefused) as refused:
        check_incoming(instance, payload)
    assert refused.value.fields == ["data.extensions.informantCode"]
