"""cargo: shipment table

Revision ID: cargo_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "cargo_0001"
down_revision = None
branch_labels = ("cargo",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "cargo_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("seized_on", sa.Date(), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cargo_shipment")),
    )


def downgrade() -> None:
    op.drop_table("cargo_shipment")
