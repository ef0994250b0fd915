"""intelligence: blocking keys of records, and matches found by cross-referencing

Revision ID: intelligence_0002
Revises: intelligence_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "intelligence_0002"
down_revision = "intelligence_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intelligence_match_key",
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "entity_type", "entity_id", "key", name=op.f("pk_intelligence_match_key")
        ),
    )
    op.create_index("ix_intelligence_match_key_key", "intelligence_match_key", ["key"])
    op.create_table(
        "intelligence_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("left_type", sa.String(64), nullable=False),
        sa.Column("left_id", sa.String(64), nullable=False),
        sa.Column("right_type", sa.String(64), nullable=False),
        sa.Column("right_id", sa.String(64), nullable=False),
        sa.Column("left_permission", sa.String(100), nullable=False),
        sa.Column("right_permission", sa.String(100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_match")),
        sa.UniqueConstraint(
            "left_type",
            "left_id",
            "right_type",
            "right_id",
            name=op.f("uq_intelligence_match_left_type"),
        ),
    )
    op.create_index(op.f("ix_intelligence_match_module"), "intelligence_match", ["module"])
    op.create_index("ix_intelligence_match_right", "intelligence_match", ["right_type", "right_id"])


def downgrade() -> None:
    op.drop_index("ix_intelligence_match_right", table_name="intelligence_match")
    op.drop_index(op.f("ix_intelligence_match_module"), table_name="intelligence_match")
    op.drop_table("intelligence_match")
    op.drop_index("ix_intelligence_match_key_key", table_name="intelligence_match_key")
    op.drop_table("intelligence_match_key")
