"""Statistics of companies and persons: declared by the modules (dimensions only), counted by
core as for seizures; grouping persons by a nominal column needs suspects.export."""

from __future__ import annotations

import datetime

import pytest

from core.auth.models import RolePermission
from core.codelists.sync import sync_code_lists
from core.exchange.cli import user_principal
from core.exchange.importer import Importer
from core.exchange.registry import exchange_type
from core.exchange.statistics import statistics
from core.gql.errors import InputError, PermissionDeniedError
from core.testing import create_user, login_as
from tests.exchange.test_other_modules import _write

STATS = """query($m: String!, $g: [String!]) {
  statistics(module: $m, groupBy: $g, includeUnvalidated: true) { buckets { keys value } total } }"""


async def _import(app, module, path, header, rows):
    await create_user(app, "clerk", "officer")
    clerk = await user_principal(app.instance, "clerk")
    xt = exchange_type(app.instance, module)
    done = await Importer(app.instance, clerk, xt).run(
        _write(path, header, rows), "csv", dry_run=False
    )
    assert done.status == "done", done.errors
    return clerk, xt


async def test_companies_counted_by_country_and_role(make_app, tmp_path):
    app = await make_app(modules=["companies"])
    await sync_code_lists(app.instance)
    clerk, xt = await _import(
        app,
        "companies",
        tmp_path / "companies.csv",
        ["legalName", "country", "roles"],
        [
            ["Acme Trading BV", "NL", "importer;exporter"],
            ["Blue Freight Ltd", "GB", "carrier"],
            ["Canal Logistics BV", "NL", "importer"],
        ],
    )

    async def count(*group):
        buckets = await statistics(
            app.instance, clerk, xt, group_by=list(group), include_unvalidated=True
        )
        return {b.keys: b.value for b in buckets}

    assert await count("country") == {("GB",): 1.0, ("NL",): 2.0}
    # A company with two roles counts once under each.
    assert await count("role") == {("carrier",): 1.0, ("exporter",): 1.0, ("importer",): 2.0}
    year = str(datetime.date.today().year)
    assert await count("year", "country") == {(year, "GB"): 1.0, (year, "NL"): 2.0}
    # Validated records only by default: none yet.
    [none] = await statistics(app.instance, clerk, xt)
    assert none.value == 0.0
    with pytest.raises(InputError) as refused:
        await statistics(app.instance, clerk, xt, measure="mass_kg")
    assert refused.value.extensions["field"] == "measure"

    # Through GraphQL, with the list filter of companies.
    token = await login_as(app, "reader", "validator")
    body = await app.gql(STATS, {"m": "companies", "g": ["country"]}, token=token)
    assert body["data"]["statistics"]["total"] == 3.0


async def test_persons_grouped_by_nominal_columns_need_the_export_permission(make_app, tmp_path):
    app = await make_app(modules=["suspects"])
    await sync_code_lists(app.instance)
    clerk, xt = await _import(
        app,
        "suspects",
        tmp_path / "persons.csv",
        ["category", "familyName", "nationalities"],
        [["SUSPECT", "Doe", "NL;BE"], ["WITNESS", "Roe", "NL"], ["SUSPECT", "Poe", ""]],
    )
    buckets = await statistics(
        app.instance, clerk, xt, group_by=["category"], include_unvalidated=True
    )
    assert {b.keys: b.value for b in buckets} == {("suspect",): 2.0, ("witness",): 1.0}
    with pytest.raises(PermissionDeniedError) as refused:
        await statistics(app.instance, clerk, xt, group_by=["nationality"])
    assert refused.value.extensions["field"] == "groupBy"

    async with app.instance.db.transaction() as session:
        session.add(RolePermission(role="officer", permission="suspects.export"))
    clerk = await user_principal(app.instance, "clerk")
    buckets = await statistics(
        app.instance, clerk, xt, group_by=["nationality"], include_unvalidated=True
    )
    assert {b.keys: b.value for b in buckets} == {("BE",): 1.0, ("NL",): 2.0, (None,): 1.0}
