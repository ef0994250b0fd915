"""core: import jobs resumed after a restart (their mapping, scope, runner and heartbeat)

Revision ID: core_0019
Revises: core_0021
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0019"
down_revision = "core_0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_import_job") as batch:
        batch.add_column(sa.Column("mapping", JSONType, nullable=True))
        batch.add_column(sa.Column("scope", JSONType, nullable=True))
        batch.add_column(sa.Column("runner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_core_import_job_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("core_import_job") as batch:
        batch.drop_index("ix_core_import_job_status")
        for name in ("attempts", "heartbeat_at", "runner", "scope", "mapping"):
            batch.drop_column(name)
