"""traders: trader table

Revision ID: traders_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "traders_0001"
down_revision = None
branch_labels = ("traders",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "traders_trader",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traders_trader")),
    )


def downgrade() -> None:
    op.drop_table("traders_trader")
