"""update_manager: the history of applied and rolled-back updates

Revision ID: update_manager_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "update_manager_0001"
down_revision = None
branch_labels = ("update_manager",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "update_manager_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journal_id", sa.String(200), nullable=False),
        sa.Column("release_name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("previous_version", sa.String(64), nullable=True),
        sa.Column("environment", sa.String(200), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", JSONType, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_manager_history")),
        sa.UniqueConstraint("journal_id", name=op.f("uq_update_manager_history_journal_id")),
    )
    op.create_index(
        "ix_update_manager_history_release", "update_manager_history", ["release_name", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_update_manager_history_release", table_name="update_manager_history")
    op.drop_table("update_manager_history")
