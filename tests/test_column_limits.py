"""Text longer than its column: a field error on both engines, before anything is written.

Modules check the lengths they know of; `core.column_limits` refuses the rest at flush, so
PostgreSQL never raises a DataError and SQLite (which ignores VARCHAR lengths) never stores more
than the column declares."""

from __future__ import annotations

from sqlalchemy import func, select

from core.testing import login_as
from plugins.companies.models import Company
from plugins.seizures.models import Case
from tests.companies.helpers import CREATE as CREATE_COMPANY
from tests.companies.helpers import companies_app, company_input
from tests.seizures.helpers import CREATE as CREATE_SEIZURE
from tests.seizures.helpers import simplified_input


async def _count(app, model) -> int:
    async with app.instance.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_overlong_seizure_and_company_text_is_a_field_error(make_app):
    app = await companies_app(make_app, ["seizures", "companies"])
    officer = await login_as(app, "officer1", "officer")
    seizures = {
        "reportingOffice": simplified_input(reportingOffice="x" * 500),
        "nationalCaseNumber": simplified_input(nationalCaseNumber="x" * 500),
    }
    for field, data in seizures.items():
        body = await app.gql(CREATE_SEIZURE, {"input": data}, token=officer, expect_errors=True)
        [error] = body["errors"]
        assert error["extensions"]["field"] == field, error
        assert error["extensions"]["code"] in {"TOO_LONG", "INVALID_INPUT"}, error
    assert await _count(app, Case) == 0

    companies = {"legalForm": company_input(legalForm="x" * 500)}
    for field, data in companies.items():
        body = await app.gql(CREATE_COMPANY, {"input": data}, token=officer, expect_errors=True)
        assert body["errors"][0]["extensions"]["field"] == field, body
    assert await _count(app, Company) == 0

    # Within the limits, the same inputs are saved.
    ok = await app.gql(
        CREATE_SEIZURE, {"input": simplified_input(reportingOffice="x" * 120)}, token=officer
    )
    assert ok["data"]["createSeizure"]["id"]
