"""permits: import permits, a record type declared only to core

Revision ID: permits_0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "permits_0001"
down_revision = None
branch_labels = ("permits",)
depends_on = "core_0004"


def upgrade() -> None:
    op.create_table(
        "permits_permit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=True),
        sa.Column("holder", sa.String(120), nullable=True),
        sa.Column("commodity", sa.String(40), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=True),
        sa.Column("validated_by", sa.Integer(), nullable=True),
        sa.Column("validated_at", UTCDateTime, nullable=True),
        sa.Column("last_changed_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permits_permit")),
    )
    op.create_index(op.f("ix_permits_permit_status"), "permits_permit", ["status"])


def downgrade() -> None:
    op.drop_table("permits_permit")
