"""core: records shared by connected national instances under agreements

Revision ID: core_0018
Revises: core_0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0018"
down_revision = "core_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_sharing_peer_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("share_uid", sa.String(36), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("sender_key_id", sa.String(16), nullable=False),
        sa.Column("sender_country", sa.String(2), nullable=True),
        sa.Column("agreement_reference", sa.String(200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("nominal", sa.Boolean(), nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("fields", JSONType, nullable=True),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("shared_by", sa.String(200), nullable=True),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("local_type", sa.String(100), nullable=True),
        sa.Column("local_id", sa.String(64), nullable=True),
        sa.Column("handled_by", sa.String(200), nullable=True),
        sa.Column("handled_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_sharing_peer_record")),
        sa.UniqueConstraint("sender", "share_uid", name="uq_core_sharing_peer_record_sender"),
    )
    op.create_index(
        "ix_core_sharing_peer_record_type", "core_sharing_peer_record", ["entity_type", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_core_sharing_peer_record_type", table_name="core_sharing_peer_record")
    op.drop_table("core_sharing_peer_record")
