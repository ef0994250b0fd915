"""core: data exchange (external keys, idempotency keys of bulk calls, import jobs)

Revision ID: core_0013
Revises: core_0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0013"
down_revision = "core_0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_external_key",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_core_external_key"),
        sa.UniqueConstraint(
            "entity_type", "source", "key", name="uq_core_external_key_entity_type"
        ),
    )
    op.create_index(
        "ix_core_external_key_record", "core_external_key", ["entity_type", "record_id"]
    )
    op.create_table(
        "core_idempotency_key",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_core_idempotency_key"),
        sa.UniqueConstraint("user_id", "key", name="uq_core_idempotency_key_user_id"),
    )
    op.create_table(
        "core_import_job",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_core_import_job"),
    )


def downgrade() -> None:
    op.drop_table("core_import_job")
    op.drop_table("core_idempotency_key")
    op.drop_index("ix_core_external_key_record", table_name="core_external_key")
    op.drop_table("core_external_key")
