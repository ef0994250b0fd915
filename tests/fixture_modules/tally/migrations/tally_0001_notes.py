"""tally: notes and subscriber effects

Revision ID: tally_0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "tally_0001"
down_revision = None
branch_labels = ("tally",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "tally_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_note")),
    )
    op.create_table(
        "tally_effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber", sa.String(50), nullable=False),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(50), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_effect")),
    )


def downgrade() -> None:
    op.drop_table("tally_effect")
    op.drop_table("tally_note")
