"""Helpers for the intelligence tests: an app with the three databases and the intelligence
module, watch lists through GraphQL, and waiting for screening."""

from __future__ import annotations

from typing import Any

from core.codelists.sync import sync_code_lists
from core.testing import TestApp

MODULES = ["seizures", "suspects", "companies", "intelligence"]

CREATE_LIST = """mutation($input: WatchListInput!) {
  createWatchList(input: $input) { id name sharing sharedRole owner canEdit entryCount } }"""
ADD_ENTRY = """mutation($list: ID!, $input: WatchListEntryInput!) {
  addWatchListEntry(watchList: $list, input: $input) {
    id kind label names birthDate nationalities identifiers { family value } terms } }"""
REMOVE_ENTRY = "mutation($id: ID!) { removeWatchListEntry(id: $id) { id removedAt } }"
ALERTS = """query($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id status score entityType module recordId matchedFields action hits
      explanation { feature queryValue candidateValue queryField candidateField score weight
                    contribution }
      judgements { verdict comment username }
      watchList { id name } entry { id kind label }
      record { id entityType }
    } } } }"""
JUDGE = """mutation($id: ID!, $verdict: Verdict!, $comment: String) {
  judgeAlert(id: $id, verdict: $verdict, comment: $comment) { id status judgements { verdict } } }"""
WATCH_LISTS = "{ watchLists { id name sharing entryCount entries { id kind label } } }"


async def intelligence_app(make_app: Any, modules: list[str] | None = None) -> TestApp:
    app = await make_app(modules=modules or MODULES)
    await sync_code_lists(app.instance)
    return app


async def screened(app: TestApp) -> None:
    """Every record event delivered (screening included)."""
    await app.instance.outbox.settle()


async def watch_list(app: TestApp, token: str, name: str = "Targets", **extra: Any) -> str:
    body = await app.gql(CREATE_LIST, {"input": {"name": name, **extra}}, token=token)
    return body["data"]["createWatchList"]["id"]


async def add_entry(app: TestApp, token: str, list_id: str, **entry: Any) -> dict[str, Any]:
    body = await app.gql(ADD_ENTRY, {"list": list_id, "input": entry}, token=token)
    return body["data"]["addWatchListEntry"]


async def alerts(app: TestApp, token: str, **filter: Any) -> list[dict[str, Any]]:
    body = await app.gql(ALERTS, {"filter": filter or None}, token=token)
    return [edge["node"] for edge in body["data"]["alerts"]["edges"]]
