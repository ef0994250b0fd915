"""alpha: item table

Revision ID: alpha_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "alpha_0001"
down_revision = None
branch_labels = ("alpha",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "alpha_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alpha_item")),
    )


def downgrade() -> None:
    op.drop_table("alpha_item")
