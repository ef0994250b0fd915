"""stock: a migration that fails (release 3)

Revision ID: stock_0003
Revises: stock_0002
"""

from alembic import op

revision = "stock_0003"
down_revision = "stock_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE stock_item SET quantity = quantity + 100")
    raise RuntimeError("stock_0003 fails on purpose")


def downgrade() -> None:
    pass
