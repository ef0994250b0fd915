"""stock: items

Revision ID: stock_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "stock_0001"
down_revision = None
branch_labels = ("stock",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "stock_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_item")),
    )


def downgrade() -> None:
    op.drop_table("stock_item")
