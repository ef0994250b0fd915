"""Helpers for the suspects tests: an app with code lists synced, users, inputs, and requests
that send the `Ncen-Purpose` header."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, or_, select

from core.audit.models import AuditConsultation, AuditEvent
from core.codelists.sync import sync_code_lists
from core.testing import TestApp, login_as

PERSON_FIELDS = """
    id status version category familyName givenNames originalScriptName transliteration aliases
    dateOfBirth birthPlace birthCountry gender nationalities
    documents { type number issuingCountry issueDate expiryDate }
    addresses { line city postalCode country } phones email occupation assessment
    reviewDate reviewDue workflowComment
"""
PAYLOAD = f"""{PERSON_FIELDS}
    possibleDuplicates {{ score reasons person {{ id familyName givenNames dateOfBirth }} }}"""

CREATE = f"mutation($input: PersonInput!) {{ createPerson(input: $input) {{ {PAYLOAD} }} }}"
UPDATE = f"""mutation($id: ID!, $version: Int!, $input: PersonInput!, $reason: String) {{
  updatePerson(id: $id, version: $version, input: $input, reason: $reason) {{ {PAYLOAD} }} }}"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitPerson(id: $id, version: $v) { status version } }"
VALIDATE = (
    "mutation($id: ID!, $v: Int!) { validatePerson(id: $id, version: $v) { status version } }"
)
RETURN = """mutation($id: ID!, $v: Int!, $c: String!) {
  returnPerson(id: $id, version: $v, comment: $c) { status version workflowComment } }"""
ERASE = (
    "mutation($id: ID!, $g: ErasureGround!) { erasePerson(id: $id, ground: $g) { id entityType } }"
)
GET = f"query($id: ID!) {{ person(id: $id) {{ {PERSON_FIELDS} }} }}"
CREATE_CONVEYANCE = """mutation($input: MeansOfConveyanceInput!) { createConveyance(input: $input) {
  __typename id kind version identifier country
  ... on Vehicle { plate vin make } ... on Vessel { name imo mmsi }
  ... on Aircraft { registration } ... on Container { number } } }"""
LINK = """mutation($s: ID!, $r: String!, $t: ID!) {
  link(input: {source: $s, relation: $r, target: $t}) { id relation } }"""


def person_input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "SUSPECT",
        "familyName": "Alhasan",
        "givenNames": "Muhammad",
        "dateOfBirth": "1984-03-02",
        "nationalities": ["jo", "IQ"],
        "documents": [{"type": "passport", "number": "k 1234-567", "issuingCountry": "jo"}],
        "phones": ["+962 79 123 4567"],
        "gender": "male",
    }
    data.update(overrides)
    return data


async def suspects_app(make_app: Any, modules: list[str] | None = None) -> TestApp:
    app = await make_app(modules=modules or ["suspects"])
    await sync_code_lists(app.instance)
    return app


async def tokens(app: TestApp) -> dict[str, str]:
    return {
        "officer": await login_as(app, "officer1", "officer"),
        "officer2": await login_as(app, "officer2", "officer"),
        "validator": await login_as(app, "validator1", "validator"),
        "analyst": await login_as(app, "analyst1", "analyst"),
    }


async def gql(
    app: TestApp,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str,
    purpose: str | None = None,
    expect_errors: bool = False,
) -> dict[str, Any]:
    """Like `app.gql`, sending an `Ncen-Purpose` header when given."""
    headers = {"authorization": f"Bearer {token}"}
    if purpose:
        headers["ncen-purpose"] = purpose
    response = await app.client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body = response.json()
    if not expect_errors:
        assert "errors" not in body, body["errors"]
    return body


def _person_views(person_id: str | int | None = None):  # type: ignore[no-untyped-def]
    """`record.view` events of persons, one row per person named: a consultation event names
    every person a request served (through the consultation index), a photo download one."""
    query = (
        select(AuditEvent, AuditConsultation.entity_id)
        .outerjoin(AuditConsultation, AuditConsultation.seq == AuditEvent.seq)
        .where(AuditEvent.action == "record.view", AuditEvent.entity_type == "Person")
    )
    if person_id is not None:
        query = query.where(
            or_(
                AuditEvent.entity_id == str(person_id),
                AuditConsultation.entity_id == str(person_id),
            )
        )
    return query.order_by(AuditEvent.seq, AuditConsultation.entity_id)


async def views(app: TestApp, person_id: str | int | None = None) -> list[SimpleNamespace]:
    """`record.view` events of persons (of one person when `person_id` is given), one per
    person named, with that person as `entity_id`."""
    columns = [c.key for c in AuditEvent.__table__.columns]
    async with app.instance.db.session() as session:
        rows = (await session.execute(_person_views(person_id))).all()
    return [
        SimpleNamespace(
            **{**{c: getattr(event, c) for c in columns}, "entity_id": named or event.entity_id}
        )
        for event, named in rows
    ]


async def count_views(app: TestApp) -> int:
    """How many times persons were consulted (one per person named by an event)."""
    async with app.instance.db.session() as session:
        found = await session.scalar(select(func.count()).select_from(_person_views().subquery()))
        return found or 0


def node_id(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]
