"""wares: consignment table

Revision ID: wares_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType

revision = "wares_0001"
down_revision = None
branch_labels = ("wares",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "wares_consignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(50), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wares_consignment")),
    )


def downgrade() -> None:
    op.drop_table("wares_consignment")
