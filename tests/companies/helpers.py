"""Helpers for the companies tests: an app with code lists synced, users, and valid inputs."""

from __future__ import annotations

from typing import Any

from core.codelists.sync import sync_code_lists
from core.testing import TestApp, login_as

COMPANY_FIELDS = """
    id status version legalName tradeNames country legalForm legalStatus
    identifiers { scheme country value } addresses { kind city country } roles hsChapters
    aeo { status certificate } assessmentNotes
"""
DUPLICATES = "possibleDuplicates { company { id legalName country } sameIdentifiers nameSimilarity matchedName }"

CREATE = f"""mutation($input: CompanyInput!) {{
  createCompany(input: $input) {{ {COMPANY_FIELDS} {DUPLICATES} }} }}"""
UPDATE = f"""mutation($id: ID!, $version: Int!, $input: CompanyInput!, $reason: String) {{
  updateCompany(id: $id, version: $version, input: $input, reason: $reason) {{
    {COMPANY_FIELDS} {DUPLICATES} }} }}"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitCompany(id: $id, version: $v) { status version } }"
VALIDATE = (
    "mutation($id: ID!, $v: Int!) { validateCompany(id: $id, version: $v) { status version } }"
)
RETURN = """mutation($id: ID!, $v: Int!, $c: String!) {
  returnCompany(id: $id, version: $v, comment: $c) { status version } }"""
GET = f"query($id: ID!) {{ company(id: $id) {{ {COMPANY_FIELDS} }} }}"


def company_input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "legalName": "Global Trading Ltd.",
        "country": "gb",
        "legalForm": "private_limited",
        "roles": ["importer"],
        "identifiers": [{"scheme": "eori", "value": "gb 123456789000"}],
        "addresses": [{"kind": "registered", "city": "Felixstowe", "country": "GB"}],
    }
    data.update(overrides)
    return data


async def companies_app(make_app: Any, modules: list[str] | None = None) -> TestApp:
    app = await make_app(modules=modules or ["companies"])
    await sync_code_lists(app.instance)
    return app


async def tokens(app: TestApp) -> dict[str, str]:
    return {
        "officer": await login_as(app, "officer1", "officer"),
        "officer2": await login_as(app, "officer2", "officer"),
        "validator": await login_as(app, "validator1", "validator"),
        "analyst": await login_as(app, "analyst1", "analyst"),
    }


async def create(app: TestApp, token: str, **overrides: Any) -> dict[str, Any]:
    body = await app.gql(CREATE, {"input": company_input(**overrides)}, token=token)
    return body["data"]["createCompany"]
