"""stock: quantities + 100 (release 4, whose code then fails to start)

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


def downgrade() -> None:
    op.execute("UPDATE stock_item SET quantity = quantity - 100")
