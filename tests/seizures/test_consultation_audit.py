"""Reading a seizure's possibly nominal free text leaves one audit event per record served."""

from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.audit.verify import verify_chain
from plugins.seizures import demo
from tests.seizures.helpers import seizures_app, tokens


async def views(app) -> list[tuple[str | None, str | None, str | None]]:
    async with app.instance.db.session() as session:
        rows = await session.execute(
            select(AuditEvent.actor_name, AuditEvent.entity_id, AuditEvent.purpose)
            .where(AuditEvent.action == "record.view", AuditEvent.entity_type == "Seizure")
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]


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
    assert len(events) == served["totalCount"] == 6  # one per record, not one per field
    assert {e[0] for e in events} == {"validator1"} and {e[2] for e in events} == {"case 2026/114"}
    assert len({e[1] for e in events}) == 6
    assert (await verify_chain(app.instance.db)).ok
