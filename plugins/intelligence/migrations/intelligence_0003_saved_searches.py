"""intelligence: saved searches and the records they found

Revision ID: intelligence_0003
Revises: intelligence_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "intelligence_0003"
down_revision = "intelligence_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intelligence_saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("modules", JSONType, nullable=False),
        sa.Column("entity_types", JSONType, nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["core_user.id"],
            name=op.f("fk_intelligence_saved_search_owner_id_core_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_saved_search")),
    )
    op.create_index(
        op.f("ix_intelligence_saved_search_owner_id"), "intelligence_saved_search", ["owner_id"]
    )
    op.create_table(
        "intelligence_search_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["intelligence_saved_search.id"],
            name=op.f("fk_intelligence_search_hit_search_id_intelligence_saved_search"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_search_hit")),
        sa.UniqueConstraint(
            "search_id",
            "entity_type",
            "entity_id",
            name=op.f("uq_intelligence_search_hit_search_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("intelligence_search_hit")
    op.drop_index(
        op.f("ix_intelligence_saved_search_owner_id"), table_name="intelligence_saved_search"
    )
    op.drop_table("intelligence_saved_search")
