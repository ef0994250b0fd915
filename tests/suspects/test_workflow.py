"""Persons: create with normalisation, the workflow, optimistic versions, reads audited."""

from __future__ import annotations

from tests.suspects.helpers import (
    CREATE,
    GET,
    RETURN,
    SUBMIT,
    UPDATE,
    VALIDATE,
    gql,
    node_id,
    person_input,
    suspects_app,
    tokens,
    views,
)


async def test_person_lifecycle_and_audited_reads(make_app):
    app = await suspects_app(make_app)
    who = await tokens(app)
    body = await gql(app, CREATE, {"input": person_input()}, token=who["officer"])
    created = body["data"]["createPerson"]
    assert created["status"] == "DRAFT" and created["version"] == 1
    assert created["nationalities"] == ["JO", "IQ"]
    assert created["documents"][0]["number"] == "K1234567"
    assert created["documents"][0]["issuingCountry"] == "JO"
    assert created["phones"] == ["+962791234567"]
    assert created["dateOfBirth"] == "1984-03-02"
    assert created["reviewDue"] is False
    pid = created["id"]

    # A draft is its author's: another officer sees nothing.
    other = await gql(app, GET, {"id": pid}, token=who["officer2"])
    assert other["data"]["person"] is None

    stale = await gql(
        app,
        UPDATE,
        {"id": pid, "version": 0, "input": {"occupation": "driver"}},
        token=who["officer"],
        expect_errors=True,
    )
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    updated = await gql(
        app,
        UPDATE,
        {"id": pid, "version": 1, "input": {"occupation": "driver", "dateOfBirth": "1984"}},
        token=who["officer"],
    )
    person = updated["data"]["updatePerson"]
    assert person["version"] == 2 and person["dateOfBirth"] == "1984"

    await gql(app, SUBMIT, {"id": pid, "v": 2}, token=who["officer"])
    returned = await gql(
        app, RETURN, {"id": pid, "v": 3, "c": "check the passport"}, token=who["validator"]
    )
    assert returned["data"]["returnPerson"]["workflowComment"] == "check the passport"
    await gql(app, SUBMIT, {"id": pid, "v": 4}, token=who["officer"])
    own = await gql(app, VALIDATE, {"id": pid, "v": 5}, token=who["officer"], expect_errors=True)
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = await gql(app, VALIDATE, {"id": pid, "v": 5}, token=who["validator"])
    assert done["data"]["validatePerson"] == {"status": "VALIDATED", "version": 6}

    # The history is read from the audit log, which holds no comment text for persons.
    history = await gql(
        app,
        "query($id: ID!) { person(id: $id) { history { actor action toStatus comment fields } } }",
        {"id": pid},
        token=who["validator"],
    )
    steps = history["data"]["person"]["history"]
    assert [(s["actor"], s["action"], s["toStatus"]) for s in steps] == [
        ("officer1", "record.create", None),
        ("officer1", "record.update", None),
        ("officer1", "record.status", "submitted"),
        ("validator1", "record.status", "returned"),
        ("officer1", "record.status", "submitted"),
        ("validator1", "record.status", "validated"),
    ]
    assert all(s["comment"] is None for s in steps)
    assert "occupation" in steps[1]["fields"] and "birth_day" in steps[1]["fields"]

    before = len(await views(app, node_id(pid)))
    read = await gql(app, GET, {"id": pid}, token=who["officer2"], purpose="case NL-2026-7")
    assert read["data"]["person"]["familyName"] == "Alhasan"
    events = await views(app, node_id(pid))
    assert len(events) == before + 1
    assert events[-1].purpose == "case NL-2026-7" and events[-1].actor_name == "officer2"
