"""Code lists served from memory: a second request reads nothing, and any change to a list —
through the API, or by another process over the same database — is served at the next one."""

from __future__ import annotations

import asyncio

from core.codelists.cache import code_list_cache
from core.codelists.edit import get_list, upsert_entry
from core.codelists.sources import EntryData
from core.codelists.sync import sync_code_lists
from core.testing import login_as
from tests.statements import statements

FRENCH = '{ codeList(name: "countries", language: "fr") { entries { code label } } }'
UPSERT = """mutation($input: CodeListEntryInput!) {
  upsertCodeListEntry(input: $input) { code label } }"""


def labels(data: dict) -> dict[str, str]:
    return {e["code"]: e["label"] for e in data["codeList"]["entries"]}


async def test_a_code_list_is_read_once_then_served_from_memory(make_app) -> None:
    app = await make_app(modules=[])
    await sync_code_lists(app.instance)
    token = await login_as(app, "olga", "officer")
    count, first = await statements(app, FRENCH, token)
    assert count >= 1 and labels(first)["DE"] == "Allemagne"
    count, again = await statements(app, FRENCH, token)
    assert count == 0 and again == first
    # Translations are built when asked for, from the same entries.
    body = await app.gql(
        '{ codeList(name: "countries", language: "fr") { entries { code translations '
        "{ language label } } } }"
    )
    germany = next(e for e in body["data"]["codeList"]["entries"] if e["code"] == "DE")
    assert {"language": "fr", "label": "Allemagne"} in germany["translations"]


async def test_a_change_through_the_api_is_served_at_once(make_app) -> None:
    app = await make_app(modules=[])
    await sync_code_lists(app.instance)
    admin = await login_as(app, "root", "admin")
    assert labels((await app.gql(FRENCH))["data"])["DE"] == "Allemagne"
    entry = {"list": "countries", "code": "DE", "labels": [{"language": "fr", "label": "RFA"}]}
    await app.gql(UPSERT, {"input": entry}, token=admin)
    assert labels((await app.gql(FRENCH))["data"])["DE"] == "RFA"
    new = {"list": "countries", "code": "XK", "labels": [{"language": "en", "label": "Kosovo"}]}
    await app.gql(UPSERT, {"input": new}, token=admin)
    assert labels((await app.gql(FRENCH))["data"])["XK"] == "Kosovo"


async def test_a_change_by_another_process_is_served_at_once(make_app) -> None:
    """Two instances over one database stand for two workers, or the server and
    `ncen codelists import`."""
    server = await make_app(modules=[])
    other = await make_app(modules=[])
    await sync_code_lists(server.instance)
    assert labels((await server.gql(FRENCH))["data"])["DE"] == "Allemagne"
    async with other.instance.db.transaction() as session:
        countries = await get_list(session, "countries")
        await upsert_entry(session, countries, EntryData(code="DE", labels={"fr": "Germanie"}))
    watch = code_list_cache(server.instance.db).changes
    before = watch.generation
    for _ in range(
        500
    ):  # PostgreSQL delivers the notification just after the commit (10 s at most)
        if watch.check() != before:
            break
        await asyncio.sleep(0.02)
    assert labels((await server.gql(FRENCH))["data"])["DE"] == "Germanie"


async def test_entries_in_their_response_shape_answer_as_graphql_core_would(make_app) -> None:
    """A flat selection of plain fields is served from entries built in their response shape
    (core/gql/precompleted.py); the answer is the one graphql-core gives field by field (an
    inline fragment makes the same selection go through graphql-core)."""
    app = await make_app(modules=[])
    await sync_code_lists(app.instance)
    token = await login_as(app, "olga", "officer")
    for fields in (
        "code label",
        "__typename k: code labelLanguage parent sortOrder validFrom validTo source",
        "label code label2: label",
    ):
        shortcut = await app.gql(
            f'{{ codeList(name: "countries", language: "fr") {{ entries {{ {fields} }} }} }}',
            token=token,
        )
        through = await app.gql(
            '{ codeList(name: "countries", language: "fr") { entries { '
            f"... on CodeListEntry {{ {fields} }} }} }} }}",
            token=token,
        )
        assert "errors" not in shortcut and shortcut == through
        assert len(shortcut["data"]["codeList"]["entries"]) > 200
    # Changes are served at once, in the response shape too.
    before = labels((await app.gql(FRENCH, token=token))["data"])
    admin = await login_as(app, "ada", "admin")
    await app.gql(
        UPSERT,
        {"input": {"list": "countries", "code": "DE", "labels": [
            {"language": "fr", "label": "Allemagne (RFA)"}]}},
        token=admin,
    )  # fmt: skip
    after = labels((await app.gql(FRENCH, token=token))["data"])
    assert before["DE"] == "Allemagne" and after["DE"] == "Allemagne (RFA)"
