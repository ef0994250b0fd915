"""core: several handlers per outbox topic (a row per handler), delivery receipts

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-29

Rows written before this revision get the empty handler: the relay hands each one to the
handlers of its topic at its next claim, so nothing pending is lost.
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_core_outbox_ready", table_name="core_outbox")
    with op.batch_alter_table("core_outbox") as batch:
        batch.add_column(sa.Column("handler", sa.String(100), nullable=False, server_default=""))
    op.create_index(
        "ix_core_outbox_ready", "core_outbox", ["status", "handler", "topic", "available_at"]
    )
    op.create_table(
        "core_outbox_receipt",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "key", name=op.f("pk_core_outbox_receipt")),
    )
    op.create_index("ix_core_outbox_receipt_received_at", "core_outbox_receipt", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_core_outbox_receipt_received_at", table_name="core_outbox_receipt")
    op.drop_table("core_outbox_receipt")
    op.drop_index("ix_core_outbox_ready", table_name="core_outbox")
    with op.batch_alter_table("core_outbox") as batch:
        batch.drop_column("handler")
    op.create_index("ix_core_outbox_ready", "core_outbox", ["status", "topic", "available_at"])
