"""Bad input gets a clear field-level error naming the list or rule, and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.outbox import OutboxRow
from plugins.seizures.models import Case, ReferenceSequence
from tests.seizures.helpers import CREATE, seizures_app, simplified_input, tokens


@pytest.mark.parametrize(
    ("overrides", "field", "code", "detail"),
    [
        ({"area": "piracy"}, "area", "UNKNOWN_CODE", "seizures_areas"),
        ({"place": {"country": "QQ"}}, "place.country", "UNKNOWN_CODE", "countries"),
        (
            {"goods": [{"commodity": "cocaine", "quantity": "1", "unit": "BAG"}]},
            "goods[0].unit",
            "UNKNOWN_CODE",
            "units",
        ),
        (
            {"detectionMethod": "crystal_ball"},
            "detectionMethod",
            "UNKNOWN_CODE",
            "seizures_detection_methods",
        ),
        (
            {"goods": [{"commodity": "cocaine", "quantity": "2"}]},
            "goods[0].unit",
            "UNIT_REQUIRED",
            None,
        ),
        (
            {"goods": [{"commodity": "cocaine", "hsCode": "2939.7"}]},
            "goods[0].hsCode",
            "INVALID_FORMAT",
            None,
        ),
        (
            {"conveyance": {"containers": ["CSQU3054384"]}},
            "conveyance.containers[0]",
            "INVALID_FORMAT",
            None,
        ),
        ({"conveyance": {"vesselImo": "9074728"}}, "conveyance.vesselImo", "INVALID_FORMAT", None),
        ({"seizureDate": None}, "seizureDate", "REQUIRED", None),
        (
            {"goods": [{"commodity": "cocaine", "value": "10"}]},
            "goods[0].currency",
            "INVALID_INPUT",
            None,
        ),
    ],
)
async def test_bad_input_is_a_field_error_and_writes_nothing(
    make_app, overrides, field, code, detail
):
    app = await seizures_app(make_app)
    who = await tokens(app)
    async with app.instance.db.session() as session:
        audit_before = await session.scalar(select(func.count()).select_from(AuditEvent))
    body = await app.gql(
        CREATE, {"input": simplified_input(**overrides)}, token=who["officer"], expect_errors=True
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["field"] == field
    if detail:
        assert error["extensions"]["list"] == detail and detail in error["message"]
    assert body["data"] is None
    async with app.instance.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert await session.scalar(select(func.count()).select_from(ReferenceSequence)) == 0
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
