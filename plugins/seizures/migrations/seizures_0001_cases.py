"""seizures: cases with goods, route legs, containers, risk indicators, offender summaries

Revision ID: seizures_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "seizures_0001"
down_revision = None
branch_labels = ("seizures",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "seizures_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("national_case_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seizure_date", sa.Date(), nullable=False),
        sa.Column("seizure_time", sa.Time(), nullable=True),
        sa.Column("reporting_office", sa.String(length=120), nullable=True),
        sa.Column("place_country", sa.String(length=2), nullable=False),
        sa.Column("place_code", sa.String(length=16), nullable=True),
        sa.Column("place_name", sa.String(length=200), nullable=True),
        sa.Column("location_type", sa.String(length=32), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("offence_type", sa.String(length=64), nullable=True),
        sa.Column("detection_method", sa.String(length=64), nullable=True),
        sa.Column("concealment_method", sa.String(length=64), nullable=True),
        sa.Column("concealment_description", sa.Text(), nullable=True),
        sa.Column("transport_mode", sa.String(length=8), nullable=True),
        sa.Column("conveyance_type", sa.String(length=64), nullable=True),
        sa.Column("conveyance_identifier", sa.String(length=64), nullable=True),
        sa.Column("vessel_imo", sa.String(length=7), nullable=True),
        sa.Column("conveyance_country", sa.String(length=2), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=True),
        sa.Column("validated_by", sa.Integer(), nullable=True),
        sa.Column("validated_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_seizures_case_reference")),
    )
    op.create_index(op.f("ix_seizures_case_area"), "seizures_case", ["area"], unique=False)
    op.create_index(
        op.f("ix_seizures_case_concealment_method"),
        "seizures_case",
        ["concealment_method"],
        unique=False,
    )
    op.create_index(
        op.f("ix_seizures_case_detection_method"),
        "seizures_case",
        ["detection_method"],
        unique=False,
    )
    op.create_index(
        op.f("ix_seizures_case_place_country"), "seizures_case", ["place_country"], unique=False
    )
    op.create_index(
        op.f("ix_seizures_case_seizure_date"), "seizures_case", ["seizure_date"], unique=False
    )
    op.create_index(op.f("ix_seizures_case_status"), "seizures_case", ["status"], unique=False)
    op.create_index(
        "ix_seizures_case_status_date", "seizures_case", ["status", "seizure_date"], unique=False
    )
    op.create_index(
        op.f("ix_seizures_case_transport_mode"), "seizures_case", ["transport_mode"], unique=False
    )
    op.create_table(
        "seizures_reference_sequence",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country", "year", name=op.f("pk_seizures_reference_sequence")),
    )
    op.create_table(
        "seizures_container",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["seizures_case.id"],
            name=op.f("fk_seizures_container_case_id_seizures_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_container")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_seizures_container_case_id")),
    )
    op.create_index(
        op.f("ix_seizures_container_number"), "seizures_container", ["number"], unique=False
    )
    op.create_table(
        "seizures_goods_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("commodity", sa.String(length=64), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("brand", sa.String(length=120), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("pieces", sa.Integer(), nullable=True),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["seizures_case.id"],
            name=op.f("fk_seizures_goods_line_case_id_seizures_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_goods_line")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_seizures_goods_line_case_id")),
    )
    op.create_index("ix_seizures_goods_line_case", "seizures_goods_line", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_seizures_goods_line_commodity"), "seizures_goods_line", ["commodity"], unique=False
    )
    op.create_table(
        "seizures_offender_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["seizures_case.id"],
            name=op.f("fk_seizures_offender_summary_case_id_seizures_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_offender_summary")),
        sa.UniqueConstraint(
            "case_id", "position", name=op.f("uq_seizures_offender_summary_case_id")
        ),
    )
    op.create_table(
        "seizures_risk_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["seizures_case.id"],
            name=op.f("fk_seizures_risk_indicator_case_id_seizures_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_risk_indicator")),
        sa.UniqueConstraint("case_id", "code", name=op.f("uq_seizures_risk_indicator_case_id")),
    )
    op.create_table(
        "seizures_route_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["seizures_case.id"],
            name=op.f("fk_seizures_route_leg_case_id_seizures_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures_route_leg")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_seizures_route_leg_case_id")),
    )
    op.create_index("ix_seizures_route_leg_case", "seizures_route_leg", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_seizures_route_leg_country"), "seizures_route_leg", ["country"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_seizures_route_leg_country"), table_name="seizures_route_leg")
    op.drop_index("ix_seizures_route_leg_case", table_name="seizures_route_leg")
    op.drop_table("seizures_route_leg")
    op.drop_table("seizures_risk_indicator")
    op.drop_table("seizures_offender_summary")
    op.drop_index(op.f("ix_seizures_goods_line_commodity"), table_name="seizures_goods_line")
    op.drop_index("ix_seizures_goods_line_case", table_name="seizures_goods_line")
    op.drop_table("seizures_goods_line")
    op.drop_index(op.f("ix_seizures_container_number"), table_name="seizures_container")
    op.drop_table("seizures_container")
    op.drop_table("seizures_reference_sequence")
    op.drop_index(op.f("ix_seizures_case_transport_mode"), table_name="seizures_case")
    op.drop_index("ix_seizures_case_status_date", table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_status"), table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_seizure_date"), table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_place_country"), table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_detection_method"), table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_concealment_method"), table_name="seizures_case")
    op.drop_index(op.f("ix_seizures_case_area"), table_name="seizures_case")
    op.drop_table("seizures_case")
