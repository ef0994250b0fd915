"""parcels: parcel table

Revision ID: parcels_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "parcels_0001"
down_revision = None
branch_labels = ("parcels",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "parcels_parcel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("seized_on", sa.Date(), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcels_parcel")),
    )


def downgrade() -> None:
    op.drop_table("parcels_parcel")
