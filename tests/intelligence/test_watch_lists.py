"""Watch lists through GraphQL: input errors name their field, sharing decides who sees a list
and its alerts, validity periods bound screening, and alerts page with cursors."""

from __future__ import annotations

from typing import Any

from core.testing import login_as
from tests.intelligence.helpers import (
    ADD_ENTRY,
    ALERTS,
    WATCH_LISTS,
    add_entry,
    alerts,
    intelligence_app,
    screened,
    watch_list,
)
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import SUBMIT as SUBMIT_SEIZURE
from tests.seizures.helpers import simplified_input


def _seizure_with(plate: str) -> dict[str, Any]:
    return simplified_input(conveyance={"transportMode": "3", "identifier": plate})


async def test_bad_entries_are_refused_with_the_field_at_fault(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst")
    list_id = await watch_list(app, analyst)
    cases = [
        (
            {
                "kind": "CONVEYANCE",
                "identifiers": [{"family": "CONTAINER", "value": "CSQU3054384"}],
            },
            "input.identifiers[0].value",
        ),
        (
            {"kind": "COMPANY", "identifiers": [{"family": "PLATE", "value": "AB123"}]},
            "input.identifiers[0].family",
        ),
        ({"kind": "PERSON", "names": ["Ivan Petrov"], "birthDate": "1980-13"}, "input.birthDate"),
        ({"kind": "PERSON", "names": ["Ivan"], "nationalities": ["XX"]}, "input.nationalities[0]"),
        ({"kind": "PERSON"}, "input.names"),
        ({"kind": "TERM", "terms": ["-"]}, "input.terms[0]"),
    ]
    for entry, field in cases:
        body = await app.gql(
            ADD_ENTRY, {"list": list_id, "input": entry}, token=analyst, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["field"] == field, (entry, body["errors"])
    body = await app.gql(
        "mutation($i: WatchListInput!) { createWatchList(input: $i) { id } }",
        {"i": {"name": "Shared", "sharing": "ROLE"}},
        token=analyst,
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["field"] == "input.sharedRole"


async def test_sharing_decides_who_sees_a_list_and_its_alerts(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    owner = await login_as(app, "analyst1", "analyst")
    colleague = await login_as(app, "analyst2", "analyst")
    validator = await login_as(app, "validator1", "validator")  # intelligence.view
    officer = await login_as(app, "officer1", "officer")
    private = await watch_list(app, owner, "Mine")
    by_role = await watch_list(app, owner, "Validators", sharing="ROLE", sharedRole="validator")
    for list_id, plate in ((private, "PRIV1"), (by_role, "ROLE1")):
        await add_entry(
            app,
            owner,
            list_id,
            kind="CONVEYANCE",
            identifiers=[{"family": "PLATE", "value": plate}],
        )
    for plate in ("PRIV1", "ROLE1"):
        await app.gql(CREATE_SEIZURE, {"input": _seizure_with(plate)}, token=officer)
    await screened(app)

    def names(body: dict[str, Any]) -> set[str]:
        return {w["name"] for w in body["data"]["watchLists"]}

    assert names(await app.gql(WATCH_LISTS, token=owner)) == {"Mine", "Validators"}
    assert names(await app.gql(WATCH_LISTS, token=colleague)) == set()
    assert names(await app.gql(WATCH_LISTS, token=validator)) == {"Validators"}
    assert await alerts(app, colleague) == []
    # The validator sees the drafts (validators do), on the list shared with their role only.
    [seen] = await alerts(app, validator)
    assert seen["watchList"]["name"] == "Validators"
    # The owner sees no draft of someone else: both alerts wait for the seizures' submission.
    assert await alerts(app, owner) == []
    refused = await app.gql(
        ADD_ENTRY,
        {"list": private, "input": {"kind": "TERM", "terms": ["x-ray"]}},
        token=colleague,
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_entries_outside_their_validity_are_not_screened_and_alerts_page(
    make_app: Any,
) -> None:
    app = await intelligence_app(make_app)
    analyst = await login_as(app, "analyst1", "analyst", "validator")
    officer = await login_as(app, "officer1", "officer")
    list_id = await watch_list(app, analyst)
    await add_entry(
        app,
        analyst,
        list_id,
        kind="CONVEYANCE",
        identifiers=[{"family": "PLATE", "value": "OLD1"}],
        validUntil="2020-01-01",
    )
    await add_entry(
        app, analyst, list_id, kind="CONVEYANCE", identifiers=[{"family": "PLATE", "value": "NOW1"}]
    )
    await app.gql(CREATE_SEIZURE, {"input": _seizure_with("OLD1")}, token=officer)
    for _ in range(3):
        await app.gql(CREATE_SEIZURE, {"input": _seizure_with("NOW1")}, token=officer)
    await screened(app)

    first = (await app.gql(ALERTS, {"first": 2}, token=analyst))["data"]["alerts"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = await app.gql(
        ALERTS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=analyst
    )
    page = rest["data"]["alerts"]
    assert len(page["edges"]) == 1 and not page["pageInfo"]["hasNextPage"]
    ids = {e["node"]["id"] for e in first["edges"]} | {e["node"]["id"] for e in page["edges"]}
    assert len(ids) == 3
    assert all(
        e["node"]["explanation"][0]["queryValue"] == "NOW1" for e in first["edges"] + page["edges"]
    )


async def test_total_count_counts_only_the_alerts_the_reader_may_see(make_app: Any) -> None:
    app = await intelligence_app(make_app)
    owner = await login_as(app, "analyst1", "analyst", "officer")
    colleague = await login_as(app, "analyst2", "analyst")
    validator = await login_as(app, "validator1", "validator")
    officer = await login_as(app, "officer1", "officer")
    shared = await watch_list(app, owner, "Everyone", sharing="INSTANCE")
    private = await watch_list(app, colleague, "Colleague's own")
    for list_id, token in ((shared, owner), (private, colleague)):
        await add_entry(
            app,
            token,
            list_id,
            kind="CONVEYANCE",
            identifiers=[{"family": "PLATE", "value": "TC1"}],
        )
    created = []
    for _ in range(3):
        body = await app.gql(CREATE_SEIZURE, {"input": _seizure_with("TC1")}, token=owner)
        created.append(body["data"]["createSeizure"])
    officer_draft = await app.gql(CREATE_SEIZURE, {"input": _seizure_with("TC1")}, token=officer)
    assert officer_draft["data"]["createSeizure"]["id"]
    await app.gql(SUBMIT_SEIZURE, {"id": created[0]["id"], "v": created[0]["version"]}, token=owner)
    await screened(app)

    async def seen(token: str) -> tuple[int, int]:
        body = (await app.gql(ALERTS, {"first": 50}, token=token))["data"]["alerts"]
        return body["totalCount"], len(body["edges"])

    # The owner: three seizures of theirs (drafts included) on their list; the officer's draft
    # is hidden; the colleague's private list is not theirs.
    assert await seen(owner) == (3, 3)
    # The colleague: the owner's list is shared; of its four seizures, one was submitted. Their
    # own list: the same one seizure. No draft of someone else counts.
    assert await seen(colleague) == (2, 2)
    # A validator sees every draft, on the list shared with the instance only.
    assert await seen(validator) == (4, 4)
    # Someone without intelligence.view sees no alert at all.
    refused = await app.gql(ALERTS, {"first": 5}, token=officer, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
