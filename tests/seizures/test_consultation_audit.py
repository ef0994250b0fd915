"""Reading a seizure's possibly nominal free text is audited: one event per request naming every
record served, found for each record through the consultation index."""

from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditConsultation, AuditEvent
from core.audit.verify import verify_chain
from core.testing import login_as
from plugins.seizures import demo
from tests.seizures.helpers import seizures_app, tokens


async def views(app) -> list[tuple[str | None, str | None, str | None]]:
    """(actor, record, purpose) per record named by a consultation event of seizures."""
    async with app.instance.db.session() as session:
        rows = await session.execute(
            select(AuditEvent.actor_name, AuditConsultation.entity_id, AuditEvent.purpose)
            .join(AuditConsultation, AuditConsultation.seq == AuditEvent.seq)
            .where(AuditEvent.action == "record.view", AuditEvent.entity_type == "Seizure")
            .order_by(AuditEvent.seq, AuditConsultation.entity_id)
        )
        return [tuple(r) for r in rows]


async def events_of(app) -> list[AuditEvent]:
    async with app.instance.db.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == "record.view")
        return list((await session.scalars(query.order_by(AuditEvent.seq))).all())


async def test_nominal_fields_are_audited_per_record_and_others_are_not(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 6)

    await app.gql(
        "{ seizures { edges { node { reference area goods { commodity } } } } }",
        token=who["validator"],
    )
    assert await views(app) == []

    response = await app.client.post(
        "/graphql",
        json={
            "query": "{ seizures { totalCount edges { node { narrative goods { description } } } } }"
        },
        headers={"authorization": f"Bearer {who['validator']}", "ncen-purpose": "case 2026/114"},
    )
    served = response.json()["data"]["seizures"]
    events = await views(app)
    assert len(events) == served["totalCount"] == 6  # each record once, not once per field
    assert {e[0] for e in events} == {"validator1"} and {e[2] for e in events} == {"case 2026/114"}
    assert len({e[1] for e in events}) == 6
    # One event for the request, naming every record in its hashed detail.
    [event] = await events_of(app)
    assert sorted(event.detail["ids"]) == sorted(e[1] for e in events)
    assert (await verify_chain(app.instance.db)).ok


async def test_audit_events_of_a_record_include_the_consultations_naming_it(make_app):
    app = await seizures_app(make_app)
    who = await tokens(app)
    auditor = await login_as(app, "aud", "auditor")
    async with app.instance.db.transaction() as session:
        await demo.load(session, "XX", 3)
    for _ in range(2):
        await app.gql("{ seizures { edges { node { narrative } } } }", token=who["validator"])
    [event, _] = await events_of(app)
    for record in event.detail["ids"]:
        body = await app.gql(
            """query($id: String!) { auditEvents(filter: {entityType: "Seizure", entityId: $id})
               { edges { node { action entityId detail } } } }""",
            {"id": record},
            token=auditor,
        )
        found = [e["node"] for e in body["data"]["auditEvents"]["edges"]]
        views = [e for e in found if e["action"] == "record.view"]
        assert len(views) == 2 and all(record in e["detail"]["ids"] for e in views)
