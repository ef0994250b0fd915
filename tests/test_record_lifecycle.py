"""Core's record lifecycle: what a module gets by declaring a record type, and the rules every
record type shares (four eyes, links of a record that goes away, read audit of extension fields).

The `permits` fixture module declares a record type and nothing else of its write path.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.codelists.sync import sync_code_lists
from core.events import RecordEvent
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.testing import TestApp, login_as
from tests.companies.helpers import company_input
from tests.fixture_modules.permits.module import PermitsModule
from tests.seizures.helpers import simplified_input
from tests.suspects.helpers import person_input

PERMIT = "id status version number holder validUntil"
CREATE = f"mutation($input: PermitInput!) {{ createPermit(input: $input) {{ {PERMIT} }} }}"
UPDATE = f"""mutation($id: ID!, $v: Int!, $input: PermitInput!, $reason: String) {{
  updatePermit(id: $id, version: $v, input: $input, reason: $reason) {{ {PERMIT} }} }}"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitPermit(id: $id, version: $v) { status version } }"
VALIDATE = (
    "mutation($id: ID!, $v: Int!) { validatePermit(id: $id, version: $v) { status version } }"
)
RETURN = """mutation($id: ID!, $v: Int!, $c: String!) {
  returnPermit(id: $id, version: $v, comment: $c) { status version } }"""
DELETE = "mutation($id: ID!, $v: Int!) { deletePermit(id: $id, version: $v) { id entityType } }"


async def _app(make_app: Any) -> tuple[TestApp, dict[str, str]]:
    app = await make_app(modules=["seizures", "permits"], extra_modules=[PermitsModule()])
    await sync_code_lists(app.instance)
    who = {
        "officer": await login_as(app, "officer1", "officer"),
        "validator": await login_as(app, "validator1", "validator"),
        "validator2": await login_as(app, "validator2", "validator"),
        "analyst": await login_as(app, "analyst1", "analyst"),
    }
    return app, who


def _error(body: dict[str, Any]) -> dict[str, Any]:
    return body["errors"][0]["extensions"]


async def test_a_declared_record_type_gets_the_whole_workflow(make_app):
    app, who = await _app(make_app)
    officer, validator, validator2 = who["officer"], who["validator"], who["validator2"]

    missing = await app.gql(CREATE, {"input": {"holder": "X"}}, token=officer, expect_errors=True)
    assert _error(missing) == {"code": "REQUIRED", "field": "number"}

    created = (await app.gql(CREATE, {"input": {"number": "P-1"}}, token=officer))["data"]
    permit = created["createPermit"]
    assert permit["status"] == "draft" and permit["version"] == 1
    pid = permit["id"]

    incomplete = await app.gql(SUBMIT, {"id": pid, "v": 1}, token=officer, expect_errors=True)
    assert _error(incomplete)["code"] == "INCOMPLETE"
    assert _error(incomplete)["missing"] == ["holder", "validUntil"]

    stale = await app.gql(
        UPDATE, {"id": pid, "v": 7, "input": {"holder": "A"}}, token=officer, expect_errors=True
    )
    assert _error(stale)["code"] == "CONFLICT"
    other = await app.gql(
        UPDATE, {"id": pid, "v": 1, "input": {"holder": "A"}}, token=validator, expect_errors=True
    )
    assert _error(other)["code"] == "FORBIDDEN"  # a draft is its author's

    filled = await app.gql(
        UPDATE,
        {"id": pid, "v": 1, "input": {"holder": "Holder Qwerty", "validUntil": "2027-01-31"}},
        token=officer,
    )
    assert filled["data"]["updatePermit"]["version"] == 2
    unchanged = await app.gql(
        UPDATE, {"id": pid, "v": 2, "input": {"holder": "Holder Qwerty"}}, token=officer
    )
    assert unchanged["data"]["updatePermit"]["version"] == 2  # nothing changed, nothing written

    assert (await app.gql(SUBMIT, {"id": pid, "v": 2}, token=officer))["data"]["submitPermit"] == {
        "status": "submitted",
        "version": 3,
    }
    own = await app.gql(RETURN, {"id": pid, "v": 3, "c": " "}, token=validator, expect_errors=True)
    assert _error(own) == {"code": "REQUIRED", "field": "comment"}
    await app.gql(RETURN, {"id": pid, "v": 3, "c": "date?"}, token=validator)
    await app.gql(SUBMIT, {"id": pid, "v": 4}, token=officer)
    done = await app.gql(VALIDATE, {"id": pid, "v": 5}, token=validator)
    assert done["data"]["validatePermit"] == {"status": "validated", "version": 6}

    # Four eyes: a validator's edit sends the record back, and only another validator passes it.
    no_reason = await app.gql(
        UPDATE,
        {"id": pid, "v": 6, "input": {"commodity": "x"}},
        token=validator2,
        expect_errors=True,
    )
    assert _error(no_reason) == {"code": "REQUIRED", "field": "reason"}
    edited = await app.gql(
        UPDATE,
        {"id": pid, "v": 6, "input": {"commodity": "tobacco"}, "reason": "typo"},
        token=validator2,
    )
    assert edited["data"]["updatePermit"]["status"] == "submitted"
    refused = await app.gql(VALIDATE, {"id": pid, "v": 7}, token=validator2, expect_errors=True)
    assert _error(refused)["code"] == "FOUR_EYES"
    await app.gql(VALIDATE, {"id": pid, "v": 7}, token=validator)

    history = await app.gql(
        "query($id: ID!) { node(id: $id) { ... on Permit { history { action fields toStatus actor } } } }",
        {"id": pid},
        token=who["analyst"],
    )
    steps = history["data"]["node"]["history"]
    assert [(s["action"], s["toStatus"]) for s in steps] == [
        ("record.create", None),
        ("record.update", None),
        ("record.status", "submitted"),
        ("record.status", "returned"),
        ("record.status", "submitted"),
        ("record.status", "validated"),
        ("record.update", "submitted"),
        ("record.status", "validated"),
    ]
    assert steps[0]["fields"] == ["number"]
    assert steps[1]["fields"] == ["holder", "valid_until"]
    assert steps[6]["actor"] == "validator2"


class Listener:
    """A subscriber module that keeps every record event it is given."""

    info = ModuleInfo(name="listener", version="1.0.0", label="Listener (test)")

    def __init__(self) -> None:
        self.events: list[RecordEvent] = []

    @hookimpl
    def on_record_changed(self, instance: Any, event: RecordEvent) -> None:
        self.events.append(event)


async def test_every_step_is_a_record_event_with_names_never_values(make_app):
    listener = Listener()
    app = await make_app(
        modules=["seizures", "permits", "listener"], extra_modules=[PermitsModule(), listener]
    )
    officer = await login_as(app, "officer1", "officer")
    validator = await login_as(app, "validator1", "validator")
    created = await app.gql(
        CREATE, {"input": {"number": "P-2", "holder": "Canary Holdername"}}, token=officer
    )
    pid = created["data"]["createPermit"]["id"]
    await app.gql(UPDATE, {"id": pid, "v": 1, "input": {"validUntil": "2027-02-01"}}, token=officer)
    await app.gql(SUBMIT, {"id": pid, "v": 2}, token=officer)
    await app.gql(RETURN, {"id": pid, "v": 3, "c": "Canary comment"}, token=validator)
    other = await app.gql(CREATE, {"input": {"number": "P-9"}}, token=officer)
    await app.gql(DELETE, {"id": other["data"]["createPermit"]["id"], "v": 1}, token=officer)
    await app.instance.outbox.settle()

    events = [e for e in listener.events if e.entity_type == "Permit"]
    assert [(e.action, e.version, e.fields) for e in events] == [
        ("created", 1, ("holder", "number")),
        ("updated", 2, ("valid_until",)),
        ("submitted", 3, ("status",)),
        ("returned", 4, ("status",)),
        ("created", 1, ("number",)),
        ("deleted", 1, ()),
    ]
    assert {e.module for e in events} == {"permits"}
    assert [e.actor_name for e in events] == ["officer1"] * 3 + ["validator1"] + ["officer1"] * 2
    assert len({e.event_id for e in events}) == len(events)
    assert "Canary" not in repr(events)


async def test_form_search_node_and_links_come_from_the_declaration(make_app):
    app, who = await _app(make_app)
    form = await app.gql(
        '{ formSchema(entityType: "Permit") { fields { name required requiredToSubmit nominal maxLength } } }'
    )
    fields = {f["name"]: f for f in form["data"]["formSchema"]["fields"]}
    assert fields["number"] == {
        "name": "number",
        "required": True,
        "requiredToSubmit": True,
        "nominal": False,
        "maxLength": 20,
    }
    assert fields["holder"]["requiredToSubmit"] and not fields["holder"]["required"]
    assert fields["holder"]["nominal"] and fields["holder"]["maxLength"] == 120
    assert fields["validUntil"]["requiredToSubmit"] and fields["validUntil"]["maxLength"] is None
    assert not fields["commodity"]["requiredToSubmit"]

    officer = who["officer"]
    pid = (
        await app.gql(
            CREATE, {"input": {"number": "P-3", "holder": "Zanzibar Holdings"}}, token=officer
        )
    )["data"]["createPermit"]["id"]
    seizure = (
        await app.gql(
            "mutation($input: SeizureInput!) { createSeizure(input: $input) { id } }",
            {"input": simplified_input()},
            token=officer,
        )
    )["data"]["createSeizure"]["id"]
    await app.instance.outbox.settle()
    search = '{ search(query: "zanzibar") { totalCount edges { node { entityType id } } } }'
    mine = await app.gql(search, token=officer)
    assert mine["data"]["search"]["edges"] == [{"node": {"entityType": "Permit", "id": pid}}]
    theirs = await app.gql(search, token=who["analyst"])  # a draft is its author's
    assert theirs["data"]["search"]["totalCount"] == 0

    link = """mutation($s: ID!, $t: ID!) {
      link(input: {source: $s, relation: "covers", target: $t}) { relation } }"""
    await app.gql(link, {"s": pid, "t": seizure}, token=officer)
    read = await app.gql(
        "query($id: ID!) { node(id: $id) { ... on Permit { number links { relation entity { id } } } } }",
        {"id": pid},
        token=officer,
    )
    assert read["data"]["node"] == {
        "number": "P-3",
        "links": [{"relation": "covers", "entity": {"id": seizure}}],
    }

    # A record that goes away takes its links along, each removal audited.
    gone = await app.gql(DELETE, {"id": pid, "v": 1}, token=officer)
    assert gone["data"]["deletePermit"] == {"id": pid, "entityType": "Permit"}
    seen = await app.gql(
        "query($id: ID!) { seizure(id: $id) { links { id } } }", {"id": seizure}, token=officer
    )
    assert seen["data"]["seizure"]["links"] == []
    async with app.instance.db.session() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "Permit")
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert actions == ["record.create", "link.created", "link.removed", "record.delete"]
    await app.instance.outbox.settle()
    assert (await app.gql(search, token=officer))["data"]["search"]["totalCount"] == 0


async def test_reading_a_nominal_extension_field_is_a_consultation(make_app):
    app, who = await _app(make_app)
    created = await app.gql(
        CREATE,
        {"input": {"number": "P-4", "extra": {"agentName": "Agent Canary"}}},
        token=who["officer"],
    )
    pid = created["data"]["createPermit"]["id"]

    async def views() -> int:
        async with app.instance.db.session() as session:
            rows = await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "record.view", AuditEvent.entity_type == "Permit"
                )
            )
            return len(rows.all())

    query = "query($id: ID!) { node(id: $id) { ... on Permit { number %s } } }"
    await app.gql(query % "", {"id": pid}, token=who["officer"])
    assert await views() == 0
    read = await app.gql(query % "extra", {"id": pid}, token=who["officer"])
    assert read["data"]["node"]["extra"] == {"agentName": "Agent Canary"}
    assert await views() == 1


FOUR_EYES = {
    "seizures": ("Seizure", "SeizureInput", simplified_input, {"narrative": "checked"}),
    "companies": ("Company", "CompanyInput", company_input, {"legalForm": "public_limited"}),
    "suspects": ("Person", "PersonInput", person_input, {"occupation": "driver"}),
}


@pytest.mark.parametrize("module", sorted(FOUR_EYES))
async def test_edit_then_validate_by_the_same_validator_is_refused(make_app, module):
    name, input_type, make_input, edit = FOUR_EYES[module]
    app = await make_app(modules=[module])
    await sync_code_lists(app.instance)
    officer = await login_as(app, "officer1", "officer")
    first = await login_as(app, "validator1", "validator")
    second = await login_as(app, "validator2", "validator")

    async def call(mutation: str, args: str, variables: dict[str, Any], token: str, **kw: Any):
        body = await app.gql(
            f"mutation({args}) {{ {mutation} {{ status version }} }}", variables, token=token, **kw
        )
        return body

    create = f"mutation($i: {input_type}!) {{ create{name}(input: $i) {{ id }} }}"
    rid = (await app.gql(create, {"i": make_input()}, token=officer))["data"][f"create{name}"]["id"]
    ids = "$id: ID!, $v: Int!"
    await call(f"submit{name}(id: $id, version: $v)", ids, {"id": rid, "v": 1}, officer)
    await call(f"validate{name}(id: $id, version: $v)", ids, {"id": rid, "v": 2}, first)
    await call(
        f"update{name}(id: $id, version: $v, input: $i, reason: $r)",
        f"{ids}, $i: {input_type}!, $r: String",
        {"id": rid, "v": 3, "i": edit, "r": "corrected after a call"},
        first,
    )
    refused = await call(
        f"validate{name}(id: $id, version: $v)", ids, {"id": rid, "v": 4}, first, expect_errors=True
    )
    assert _error(refused)["code"] == "FOUR_EYES"
    passed = await call(f"validate{name}(id: $id, version: $v)", ids, {"id": rid, "v": 4}, second)
    assert passed["data"][f"validate{name}"] == {"status": "VALIDATED", "version": 5}
