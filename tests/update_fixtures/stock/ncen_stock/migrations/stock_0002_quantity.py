"""stock: quantity (release 2)

Revision ID: stock_0002
Revises: stock_0001
"""

import os
import time

import sqlalchemy as sa
from alembic import op

revision = "stock_0002"
down_revision = "stock_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock_item") as batch:
        batch.add_column(sa.Column("quantity", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE stock_item SET quantity = 1")
    # The kill -9 test stops the apply here, in the middle of the migration: it waits for the
    # marker file, then kills the apply.
    marker = os.environ.get("NCEN_STOCK_MIGRATION_MARKER")
    if marker:
        with open(marker, "w") as handle:
            handle.write("migrating\n")
        time.sleep(60)


def downgrade() -> None:
    with op.batch_alter_table("stock_item") as batch:
        batch.drop_column("quantity")
