"""Form schemas for frontends, and extension fields a country plugin adds to another module."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.codelists.sync import sync_code_lists
from core.errors import ModuleLoadError
from core.forms import ExtensionField, FormField, extension_search_parts, validate_extra
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from tests.fixture_modules.ruritania.module import RuritaniaModule
from tests.fixture_modules.wares.module import Consignment, WaresModule

FORM = """query($type: String!, $language: String) {
  formSchema(entityType: $type, language: $language) {
    entityType language
    fields { name type required codeList label help nominal maxLength extension module }
  }
}"""
ADD = 'mutation($extra: JSON) { addConsignment(ref: "C1", extra: $extra) { id extra } }'


async def app_with(make_app, *, ruritania: bool = True):
    modules = [WaresModule(), RuritaniaModule()]
    names = ["wares", "ruritania"] if ruritania else ["wares"]
    app = await make_app(modules=names, extra_modules=modules)
    await sync_code_lists(app.instance)
    return app


async def test_form_schema_lists_own_and_extension_fields_translated(make_app):
    app = await app_with(make_app)
    body = await app.gql(FORM, {"type": "Consignment", "language": "fr"})
    form = body["data"]["formSchema"]
    assert (form["entityType"], form["language"]) == ("Consignment", "fr")
    fields = {f["name"]: f for f in form["fields"]}
    assert list(fields) == ["ref", "country", "kind", "permitRegion", "permitNumber"]
    assert fields["ref"] == {
        "name": "ref",
        "type": "string",
        "required": True,
        "codeList": None,
        "label": "Référence",
        "help": None,
        "nominal": False,
        "maxLength": 50,
        "extension": False,
        "module": "wares",
    }
    assert fields["country"]["codeList"] == "countries"
    assert fields["country"]["help"] == "Where the goods come from"  # English fallback
    untranslated = await app.gql(
        'query($type: String!) { formSchema(entityType: $type, language: "xx") '
        "{ language requestedLanguage } }",
        {"type": "Consignment"},
    )
    assert untranslated["data"]["formSchema"] == {"language": "en", "requestedLanguage": "xx"}
    assert fields["permitRegion"]["label"] == "Région du permis"
    assert fields["permitRegion"]["extension"] is True
    assert fields["permitNumber"]["nominal"] is True
    assert fields["permitNumber"]["module"] == "ruritania"
    assert fields["permitNumber"]["label"] == "Permit number"  # no French label: English

    body = await app.gql(FORM, {"type": "Nothing"})
    assert body["data"]["formSchema"] is None


async def test_extension_fields_of_a_disabled_plugin_are_not_shown(make_app):
    app = await app_with(make_app, ruritania=False)
    body = await app.gql(FORM, {"type": "Consignment"})
    names = [f["name"] for f in body["data"]["formSchema"]["fields"]]
    assert names == ["ref", "country", "kind"]


async def test_extension_values_are_validated_and_stored_in_extra(make_app):
    app = await app_with(make_app)

    async def error(extra: dict) -> dict:
        body = await app.gql(ADD, {"extra": extra}, expect_errors=True)
        return body["errors"][0]["extensions"]

    assert await error({"permitRegion": "W"}) == {
        "code": "UNKNOWN_CODE",
        "field": "extra.permitRegion",
        "list": "ruritania_regions",
    }
    assert await error({"colour": "red"}) == {"code": "INVALID_INPUT", "field": "extra.colour"}
    assert await error({"permitNumber": 12}) == {
        "code": "INVALID_INPUT",
        "field": "extra.permitNumber",
    }
    assert (await error({"permitNumber": "X" * 13}))["field"] == "extra.permitNumber"

    body = await app.gql(ADD, {"extra": {"permitRegion": "N", "permitNumber": " P-1 "}})
    assert body["data"]["addConsignment"]["extra"] == {"permitRegion": "N", "permitNumber": "P-1"}
    async with app.instance.db.session() as session:
        [stored] = await session.scalars(sa.select(Consignment.extra))
    assert stored == {"permitRegion": "N", "permitNumber": "P-1"}

    text, keywords = extension_search_parts(app.instance, "Consignment", stored)
    assert (text, keywords) == ("P-1", {"codes": ["N"]})


async def test_values_of_a_disabled_plugin_survive_an_update(make_app):
    await app_with(make_app)
    app = await app_with(make_app, ruritania=False)
    previous = {"permitRegion": "N", "permitNumber": "P-1"}
    async with app.instance.db.session() as session:
        kept = await validate_extra(app.instance, session, "Consignment", {}, previous=previous)
    assert kept == previous


class Clashing:
    info = ModuleInfo(name="clashing", version="0.1.0", label="Clashing (test)")

    @hookimpl
    def register_extension_fields(self) -> list[ExtensionField]:
        return [ExtensionField("Consignment", FormField("ref", "string"))]


# core.plugins.call_event creates every on_startup coroutine before awaiting the first, so the
# ones after the failing plugin are never awaited; that is expected when start-up fails.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_an_extension_field_clashing_with_an_own_field_is_a_start_up_error(make_app):
    with pytest.raises(ModuleLoadError, match="'clashing' adds field 'ref' to Consignment"):
        await make_app(modules=["wares", "clashing"], extra_modules=[WaresModule(), Clashing()])


def test_field_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="names a code list"):
        FormField("country", "code")
    with pytest.raises(ValueError, match="is not one of"):
        FormField("weight", "float")
