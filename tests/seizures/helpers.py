"""Helpers for the seizures tests: an app with code lists synced, users, and a valid input."""

from __future__ import annotations

from typing import Any

from core.codelists.sync import sync_code_lists
from core.testing import TestApp, login_as

SEIZURE_FIELDS = """
    id reference status form version completeness missingFields
    seizureDate place { country name locationType } area detectionMethod riskIndicators
    goods { commodity hsCode quantity unit value currency }
    route { role country }
    conveyance { transportMode identifier containers vesselImo }
    concealment { method description }
"""

CREATE = (
    f"mutation($input: SeizureInput!) {{ createSeizure(input: $input) {{ {SEIZURE_FIELDS} }} }}"
)
UPDATE = f"""mutation($id: ID!, $version: Int!, $input: SeizureInput!, $reason: String) {{
  updateSeizure(id: $id, version: $version, input: $input, reason: $reason) {{ {SEIZURE_FIELDS} }} }}"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitSeizure(id: $id, version: $v) { status version } }"
VALIDATE = (
    "mutation($id: ID!, $v: Int!) { validateSeizure(id: $id, version: $v) { status version } }"
)
RETURN = """mutation($id: ID!, $v: Int!, $c: String!) {
  returnSeizure(id: $id, version: $v, comment: $c) { status version } }"""
GET = f"query($id: ID!) {{ seizure(id: $id) {{ {SEIZURE_FIELDS} }} }}"


def simplified_input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seizureDate": "2026-03-05",
        "place": {"country": "nl"},
        "area": "drugs",
        "detectionMethod": "xray_scanner",
        "goods": [{"commodity": "cocaine", "quantity": "12.5", "unit": "KGM"}],
    }
    data.update(overrides)
    return data


def completion() -> dict[str, Any]:
    """What turns the simplified record into a full one."""
    return {
        "form": "FULL",
        "seizureTime": "14:30:00",
        "reportingOffice": "Rotterdam port customs office",
        "place": {
            "country": "NL",
            "code": "NLRTM",
            "name": "Rotterdam port",
            "locationType": "seaport",
        },
        "direction": "import",
        "offenceType": "smuggling",
        "concealment": {
            "method": "container_structure",
            "description": "bricks behind a false wall",
        },
        "conveyance": {
            "transportMode": "1",
            "type": "container_vessel",
            "identifier": "Ocean Pioneer",
            "vesselImo": "IMO 9074729",
            "country": "pa",
            "containers": ["csqu 305438 3"],
        },
        "goods": [
            {
                "commodity": "cocaine",
                "hsCode": "2939.72",
                "description": "white powder in taped bricks",
                "quantity": "12.5",
                "unit": "KGM",
                "value": "437500",
                "currency": "eur",
            }
        ],
        "route": [
            {"role": "origin", "country": "CO"},
            {"role": "transit", "country": "PA"},
            {"role": "destination", "country": "NL", "place": "Rotterdam"},
        ],
        "narrative": "Container selected by risk profiling; scanner image showed anomalies.",
    }


async def seizures_app(make_app: Any, modules: list[str] | None = None) -> TestApp:
    app = await make_app(modules=modules or ["seizures"])
    await sync_code_lists(app.instance)
    return app


async def tokens(app: TestApp) -> dict[str, str]:
    return {
        "officer": await login_as(app, "officer1", "officer"),
        "officer2": await login_as(app, "officer2", "officer"),
        "validator": await login_as(app, "validator1", "validator"),
        "analyst": await login_as(app, "analyst1", "analyst"),
        "admin": await login_as(app, "admin1", "admin"),
    }
