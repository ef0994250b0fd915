"""Tasks on records: assigned by a validator, worked on by an officer, with history."""

from __future__ import annotations

import datetime as dt

from core.testing import login_as
from tests.icomm.helpers import ASSIGN, COMMENT, INBOX, MY_TASKS, STATUS, TASK, TASKS, codes, fields
from tests.seizures.helpers import CREATE, SUBMIT, seizures_app, simplified_input


async def submitted_seizure(app, token: str) -> str:
    seizure = (await app.gql(CREATE, {"input": simplified_input()}, token=token))["data"][
        "createSeizure"
    ]
    await app.gql(SUBMIT, {"id": seizure["id"], "v": seizure["version"]}, token=token)
    return seizure["id"]


async def test_an_officer_works_a_task_a_validator_assigned_on_a_seizure(make_app):
    app = await seizures_app(make_app, ["seizures", "icomm"])
    officer = await login_as(app, "officer1", "officer")
    validator = await login_as(app, "validator1", "validator")
    other = await login_as(app, "officer2", "officer")
    seizure_id = await submitted_seizure(app, officer)
    due = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    task = (
        await app.gql(
            ASSIGN,
            {
                "input": {
                    "title": "Weigh the bricks again",
                    "assignee": "officer1",
                    "instructions": "The declared weight differs from the scanner estimate.",
                    "recordId": seizure_id,
                    "dueDate": due,
                    "priority": "high",
                }
            },
            token=validator,
        )
    )["data"]["assignTask"]
    assert task["status"] == "open" and task["assignee"] == "officer1"
    assert task["recordId"] == seizure_id and task["record"] == {"id": seizure_id}
    assert task["overdue"] is False and task["createdBy"] == "validator1"

    mine = (await app.gql(MY_TASKS, token=officer))["data"]["myTasks"]
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["id"] == task["id"]
    assert (await app.gql(MY_TASKS, token=other))["data"]["myTasks"]["totalCount"] == 0
    denied = await app.gql(TASK, {"id": task["id"]}, token=other, expect_errors=True)
    assert codes(denied) == ["NOT_FOUND"]
    # The task's thread is in the officer's inbox.
    inbox = (await app.gql(INBOX, {"filter": {"kind": "task"}}, token=officer))["data"]["inbox"]
    assert inbox["edges"][0]["node"]["subject"] == "Weigh the bricks again"

    await app.gql(STATUS, {"id": task["id"], "status": "in_progress"}, token=officer)
    await app.gql(COMMENT, {"id": task["id"], "body": "Weighed: 12.3 kg."}, token=officer)
    stale = await app.gql(
        STATUS,
        {"id": task["id"], "status": "done", "version": 1},
        token=officer,
        expect_errors=True,
    )
    assert codes(stale) == ["CONFLICT"]
    done = (
        await app.gql(
            STATUS,
            {"id": task["id"], "status": "done", "comment": "Report updated.", "version": 2},
            token=officer,
        )
    )["data"]["updateTaskStatus"]
    assert done["status"] == "done" and done["version"] == 3
    assert [(h["action"], h["actor"], h["toStatus"]) for h in done["history"]] == [
        ("created", "validator1", "open"),
        ("status", "officer1", "in_progress"),
        ("comment", "officer1", None),
        ("status", "officer1", "done"),
    ]
    assert [c["body"] for c in done["comments"]] == [
        "The declared weight differs from the scanner estimate.",
        "Weighed: 12.3 kg.",
        "Report updated.",
    ]
    # The validator sees it with its history, and supervises every task.
    seen = (await app.gql(TASK, {"id": task["id"]}, token=validator))["data"]["task"]
    assert seen["status"] == "done" and len(seen["history"]) == 4
    # The seizure lists its tasks (the field icomm adds to every record type).
    on_record = await app.gql(
        "query($id: ID!) { seizure(id: $id) { tasks { id status title } } }",
        {"id": seizure_id},
        token=officer,
    )
    assert on_record["data"]["seizure"]["tasks"] == [
        {"id": task["id"], "status": "done", "title": "Weigh the bricks again"}
    ]
    listed = await app.gql(TASKS, {"filter": {"recordId": seizure_id}}, token=validator)
    assert listed["data"]["tasks"]["totalCount"] == 1
    assert (await app.gql(MY_TASKS, {"status": "open"}, token=officer))["data"]["myTasks"][
        "totalCount"
    ] == 0


async def test_role_tasks_overdue_flag_and_refusals(make_app):
    app = await make_app(modules=["icomm"])
    validator = await login_as(app, "validator1", "validator")
    officer = await login_as(app, "officer1", "officer")
    analyst = await login_as(app, "analyst1", "analyst")
    late = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    task = (
        await app.gql(
            ASSIGN,
            {"input": {"title": "Follow up", "assignee": "role:officer", "dueDate": late}},
            token=validator,
        )
    )["data"]["assignTask"]
    assert task["overdue"] is True and task["assignee"] == "role:officer"
    mine = (await app.gql(MY_TASKS, token=officer))["data"]["myTasks"]["edges"]
    assert [e["node"]["id"] for e in mine] == [task["id"]]
    overdue = await app.gql(TASKS, {"filter": {"overdue": True}}, token=validator)
    assert overdue["data"]["tasks"]["totalCount"] == 1
    # An analyst is not in the role: the task is not theirs to see or change.
    denied = await app.gql(
        STATUS, {"id": task["id"], "status": "done"}, token=analyst, expect_errors=True
    )
    assert codes(denied) == ["NOT_FOUND"]
    # Officers may not assign; bad input is a field error.
    denied = await app.gql(
        ASSIGN, {"input": {"title": "x", "assignee": "analyst1"}}, token=officer, expect_errors=True
    )
    assert codes(denied) == ["FORBIDDEN"]
    for given, field in [
        ({"title": "x", "assignee": "nobody"}, "assignee"),
        ({"title": "", "assignee": "officer1"}, "title"),
        ({"title": "x", "assignee": "officer1", "priority": "asap"}, "priority"),
        ({"title": "x", "assignee": "officer1", "recordId": "U2VpenVyZTo5OTk="}, "recordId"),
    ]:
        body = await app.gql(ASSIGN, {"input": given}, token=validator, expect_errors=True)
        assert fields(body) == [field], (given, body)
    bad = await app.gql(
        STATUS, {"id": task["id"], "status": "finished"}, token=officer, expect_errors=True
    )
    assert fields(bad) == ["status"]
    done = await app.gql(STATUS, {"id": task["id"], "status": "done"}, token=officer)
    assert done["data"]["updateTaskStatus"]["overdue"] is False
