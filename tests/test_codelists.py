"""Code lists: shipped lists and translations, sync, national entries, validation, language."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.codelists import CodeCheck, validate, validate_many
from core.codelists.registry import code_list_registry
from core.codelists.sources import (
    CodeListFileError,
    CodeListSource,
    EntryData,
    ListData,
    read_list_file,
)
from core.codelists.sync import apply_list_data, sync_code_lists
from core.gql.errors import InputError
from core.testing import create_user, login_as
from tests.fixture_modules.ruritania.module import RuritaniaModule
from tests.fixture_modules.wares.module import WaresModule

LIST = """query($name: String!, $language: String, $all: Boolean! = false) {
  codeList(name: $name, language: $language) {
    name label language source entries(includeExpired: $all) { code label parent validTo source }
  }
}"""


async def wares_app(make_app, *, ruritania: bool = True):
    modules = [WaresModule(), *([RuritaniaModule()] if ruritania else [])]
    app = await make_app(modules=[m.info.name for m in modules], extra_modules=modules)
    await sync_code_lists(app.instance)
    return app


async def entries(app, name: str, language: str | None = None, **variables) -> dict[str, dict]:
    body = await app.gql(LIST, {"name": name, "language": language, **variables})
    return {e["code"]: e for e in body["data"]["codeList"]["entries"]}


async def test_core_lists_in_french_and_sync_is_idempotent(make_app):
    app = await wares_app(make_app)
    countries = await entries(app, "countries", "fr")
    assert countries["DE"]["label"] == "Allemagne"
    assert countries["FR"]["label"] == "France"
    assert len(countries) == 249
    currencies = await entries(app, "currencies", "fr")
    assert currencies["USD"]["label"] == "Dollar américain"
    assert (await entries(app, "units", "fr"))["KGM"]["label"] == "kilogramme"
    assert (await entries(app, "transport_modes"))["4"]["label"] == "Air transport"

    again = await sync_code_lists(app.instance)
    assert not any(report.changed for report in again.lists.values())
    body = await app.gql('{ codeLists(language: "fr") { name label } }')
    names = [row["name"] for row in body["data"]["codeLists"]]
    assert names == sorted(names)
    assert {"countries", "currencies", "transport_modes", "units", "wares_kinds"} <= set(names)


async def test_plugin_extends_another_modules_list(make_app):
    app = await wares_app(make_app)
    kinds = await entries(app, "wares_kinds", "es")
    assert kinds["RUR-AMB"]["source"] == "ruritania"
    assert kinds["DRG"]["label"] == "Drogas"  # translation added by the extension
    assert kinds["CIG"]["parent"] == "TOB"
    assert kinds["TOB"]["label"] == "Tobacco"  # no Spanish label: English fallback


async def test_extension_of_a_list_whose_owner_is_disabled_is_skipped(make_app):
    app = await make_app(modules=["ruritania"], extra_modules=[RuritaniaModule()])
    report = await sync_code_lists(app.instance)
    assert report.skipped == ["ruritania extends wares_kinds"]
    assert "wares_kinds" not in report.lists


async def test_language_argument_then_user_then_accept_language_then_default(make_app):
    app = await wares_app(make_app)
    query = '{ codeList(name: "countries") { language entries { code label } } }'

    async def german_name(headers: dict[str, str] | None = None) -> tuple[str, str]:
        response = await app.client.post("/graphql", json={"query": query}, headers=headers)
        data = response.json()["data"]["codeList"]
        return data["language"], next(e["label"] for e in data["entries"] if e["code"] == "DE")

    assert await german_name() == ("en", "Germany")
    assert await german_name({"accept-language": "de-CH, fr;q=0.8, en;q=0.5"}) == (
        "fr",
        "Allemagne",
    )
    password = await create_user(app, "maria", language="es")
    body = await app.gql(
        'mutation($p: String!) { login(username: "maria", password: $p) { token } }',
        {"p": password},
    )
    token = body["data"]["login"]["token"]
    headers = {"accept-language": "fr", "authorization": f"Bearer {token}"}
    assert await german_name(headers) == ("es", "Alemania")
    body = await app.gql(
        '{ codeList(name: "countries", language: "ru") { entries { code label } } }'
    )
    assert {e["code"]: e["label"] for e in body["data"]["codeList"]["entries"]}["DE"] == "Германия"
    # A language the instance does not load falls back to English, and the answer says so.
    assert (await entries(app, "countries", "de"))["DE"]["label"] == "Germany"
    fallback = await app.gql(
        """{ codeList(name: "countries", language: "xx") {
             language requestedLanguage label entries { code label labelLanguage } } }"""
    )
    data = fallback["data"]["codeList"]
    assert (data["language"], data["requestedLanguage"]) == ("en", "xx")
    assert {"code": "DE", "label": "Germany", "labelLanguage": "en"} in data["entries"]
    french = await app.gql(
        '{ codeList(name: "countries", language: "fr") { language requestedLanguage } }'
    )
    assert french["data"]["codeList"] == {"language": "fr", "requestedLanguage": "fr"}
    body = await app.gql(
        '{ codeList(name: "countries", language: "x1") { name } }', expect_errors=True
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "language"}


async def test_unknown_code_in_a_mutation_names_the_field_and_list(make_app):
    app = await wares_app(make_app)
    body = await app.gql(
        'mutation { addConsignment(ref: "a", country: "ZZ") { id } }', expect_errors=True
    )
    assert body["errors"][0]["extensions"] == {
        "code": "UNKNOWN_CODE",
        "field": "country",
        "list": "countries",
    }
    body = await app.gql(
        'mutation { addConsignment(ref: "a", country: "FR", kind: "XXX") { id } }',
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["list"] == "wares_kinds"
    body = await app.gql(
        'mutation { addConsignment(ref: "a", country: "FR", kind: "RUR-AMB") { id } }'
    )
    assert body["data"]["addConsignment"]["id"]


def _code_list_queries(statements: list[str]) -> list[str]:
    """Ignore the outbox relay's polling, which runs in the background."""
    return [s for s in statements if "core_codelist" in s]


async def test_validate_many_costs_one_query_and_caches_per_session(make_app):
    app = await wares_app(make_app)
    statements: list[str] = []
    sa.event.listen(
        app.instance.db.engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    checks = [
        CodeCheck("countries", "FR", "country"),
        CodeCheck("currencies", "EUR", "currency"),
        CodeCheck("units", "KGM", "unit"),
        CodeCheck("units", None, "otherUnit"),
    ]
    async with app.instance.db.session() as session:
        await validate_many(session, checks)
        assert len(_code_list_queries(statements)) == 1
        await validate_many(session, checks)
        assert await validate(session, "countries", "FR", field="country") == "FR"
        assert len(_code_list_queries(statements)) == 1
        with pytest.raises(InputError) as error:
            await validate(session, "units", "kg", field="unit")
        assert error.value.extensions["list"] == "units"


def _replace_owner(app, name: str, entries: list[EntryData]) -> None:
    """Stand in for a new version of the module's data file."""
    registry = code_list_registry(app.instance)
    plugin, _ = registry.owners[name]
    registry.owners[name] = (
        plugin,
        CodeListSource(name, entries=lambda _languages: ListData(name, {}, entries)),
    )


async def test_sync_end_dates_codes_in_use_and_removes_unused_ones(make_app):
    app = await wares_app(make_app, ruritania=False)
    await app.gql('mutation { addConsignment(ref: "a", kind: "CIG") { id } }')
    _replace_owner(app, "wares_kinds", [EntryData("TOB", {"en": "Tobacco"}, sort=1)])
    today = dt.date.today()
    report = await sync_code_lists(app.instance, today=today)
    assert dataclasses.asdict(report.lists["wares_kinds"]) == {
        "added": 0,
        "updated": 0,
        "end_dated": 1,
        "removed": 1,
        "kept_version": None,
    }
    again = await sync_code_lists(app.instance, today=today)
    assert not again.lists["wares_kinds"].changed
    assert set(await entries(app, "wares_kinds")) == {"TOB"}
    kinds = await entries(app, "wares_kinds", all=True)
    assert kinds["CIG"]["validTo"] == (today - dt.timedelta(days=1)).isoformat()
    assert "DRG" not in kinds
    # An end-dated code is refused for new records, still accepted for dates it was valid on.
    async with app.instance.db.session() as session:
        assert await validate(
            session, "wares_kinds", "CIG", field="kind", on=today - dt.timedelta(1)
        )
        with pytest.raises(InputError) as error:
            await validate(session, "wares_kinds", "CIG", field="kind")
    assert error.value.extensions["code"] == "EXPIRED_CODE"
    # Shipped again, it comes back.
    _replace_owner(
        app, "wares_kinds", [EntryData("TOB", {"en": "Tobacco"}, sort=1), EntryData("CIG")]
    )
    await sync_code_lists(app.instance)
    assert (await entries(app, "wares_kinds", all=True))["CIG"]["validTo"] is None


async def test_codes_stored_by_extension_fields_count_as_in_use(make_app):
    app = await wares_app(make_app)
    await app.gql('mutation { addConsignment(ref: "a", extra: {permitRegion: "N"}) { id } }')
    _replace_owner(app, "ruritania_regions", [])
    report = await sync_code_lists(app.instance)
    assert report.lists["ruritania_regions"].end_dated == 1
    assert report.lists["ruritania_regions"].removed == 1


async def test_codes_of_a_disabled_module_with_data_are_only_end_dated(make_app):
    await wares_app(make_app, ruritania=False)  # wares' tables exist from here on
    modules = [WaresModule(), RuritaniaModule()]
    app = await make_app(modules=["ruritania"], extra_modules=modules)
    await sync_code_lists(app.instance)
    _replace_owner(app, "ruritania_regions", [])
    report = await sync_code_lists(app.instance)
    assert report.lists["ruritania_regions"].end_dated == 2
    assert report.lists["ruritania_regions"].removed == 0


UPSERT = """mutation($input: CodeListEntryInput!) {
  upsertCodeListEntry(input: $input) { code label source parent translations { language label } }
}"""


async def test_admin_adds_national_entries_and_translations(make_app):
    app = await wares_app(make_app)
    entry = {"list": "countries", "code": "XK", "labels": [{"language": "en", "label": "Kosovo"}]}
    body = await app.gql(UPSERT, {"input": entry}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    officer = await login_as(app, "officer1", "officer")
    body = await app.gql(UPSERT, {"input": entry}, token=officer, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    token = await login_as(app, "admin1", "admin")
    body = await app.gql(UPSERT, {"input": entry}, token=token)
    assert body["data"]["upsertCodeListEntry"]["source"] == "national"
    arabic = {"list": "units", "code": "KGM", "labels": [{"language": "ar", "label": "كيلوغرام"}]}
    body = await app.gql(UPSERT, {"input": arabic}, token=token)
    translations = body["data"]["upsertCodeListEntry"]["translations"]
    assert {"language": "ar", "label": "كيلوغرام"} in translations
    assert {"language": "fr", "label": "kilogramme"} in translations

    await sync_code_lists(app.instance)  # neither the national entry nor the translation is lost
    assert (await entries(app, "countries", "fr"))["XK"]["label"] == "Kosovo"
    french = await app.gql(
        '{ codeList(name: "countries", language: "fr") { language entries { code labelLanguage } } }'
    )
    languages = {e["code"]: e["labelLanguage"] for e in french["data"]["codeList"]["entries"]}
    assert french["data"]["codeList"]["language"] == "fr"
    assert (languages["XK"], languages["DE"]) == ("en", "fr")  # entry by entry
    assert (await entries(app, "units", "ar"))["KGM"]["label"] == "كيلوغرام"
    async with app.instance.db.session() as session:
        assert await validate(session, "countries", "XK", field="country") == "XK"

    bad_parent = {
        "list": "wares_kinds",
        "code": "CIGAR",
        "parent": "NOPE",
        "labels": [{"language": "en", "label": "Cigars"}],
    }
    body = await app.gql(UPSERT, {"input": bad_parent}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"] == {
        "code": "UNKNOWN_CODE",
        "field": "parent",
        "list": "wares_kinds",
    }
    missing = {**entry, "list": "nope"}
    body = await app.gql(UPSERT, {"input": missing}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "list"}


def test_data_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    from core.codelists.sources import CodeListFileError, read_list_file

    path = tmp_path / "bad.json"
    path.write_text('{"name": "x", "entries": [{"code": "A"}, {"code": "A"}]}')
    with pytest.raises(CodeListFileError, match="appear twice"):
        read_list_file(path)
    path.write_text('{"name": "x", "entries": [{"code": "A", "validTo": "soon"}]}')
    with pytest.raises(CodeListFileError, match=r"code 'A'.*ISO date"):
        read_list_file(path)


async def test_versioned_data_is_replaced_only_by_data_at_least_as_new(make_app):
    """A data-only update (apply_list_data) survives the next sync of older or unversioned
    data files; a newer file replaces it."""
    app = await wares_app(make_app, ruritania=False)
    cigarettes, gold = EntryData("CIG", {"en": "Cigarettes"}), EntryData("GOLD", {"en": "Gold"})
    release = ListData("wares_kinds", {}, [cigarettes, gold], "2026.2")
    async with app.instance.db.transaction() as session:
        reports = await apply_list_data(session, app.instance, [release])
    assert reports["wares_kinds"].added == 1
    assert "GOLD" in await entries(app, "wares_kinds")

    report = await sync_code_lists(app.instance)  # the module's own, unversioned file
    assert report.lists["wares_kinds"].kept_version == "2026.2"
    assert "GOLD" in await entries(app, "wares_kinds")

    older = ListData("wares_kinds", {}, [cigarettes], "2026.1")
    async with app.instance.db.transaction() as session:
        reports = await apply_list_data(session, app.instance, [older])
    assert reports["wares_kinds"].kept_version == "2026.2"
    assert "GOLD" in await entries(app, "wares_kinds")

    registry = code_list_registry(app.instance)
    registry.owners["wares_kinds"] = (
        registry.owners["wares_kinds"][0],
        CodeListSource(
            "wares_kinds", entries=lambda _l: ListData("wares_kinds", {}, [cigarettes], "2027.1")
        ),
    )
    report = await sync_code_lists(app.instance)  # a module release with newer data
    assert report.lists["wares_kinds"].removed == 1
    assert set(await entries(app, "wares_kinds")) == {"CIG"}

    with pytest.raises(KeyError, match="no_such_list"):
        async with app.instance.db.transaction() as session:
            await apply_list_data(session, app.instance, [ListData("no_such_list", {}, [])])


def test_a_data_file_version_must_be_a_version(tmp_path):
    path = tmp_path / "kinds.json"
    path.write_text('{"name": "kinds", "version": "next", "entries": []}')
    with pytest.raises(CodeListFileError, match="`version` must be a version string"):
        read_list_file(path)
    path.write_text('{"name": "kinds", "version": "2026.01", "entries": []}')
    assert read_list_file(path).version == "2026.1"
