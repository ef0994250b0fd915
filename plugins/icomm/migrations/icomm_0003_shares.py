"""icomm: revoked agreements, and records shared with peers

Revision ID: icomm_0003
Revises: icomm_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "icomm_0003"
down_revision = "icomm_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("icomm_agreement") as batch:
        batch.add_column(sa.Column("revoked_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(200), nullable=True))
    op.create_table(
        "icomm_share",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("envelope_id", sa.Integer(), nullable=True),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("peer_name", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("nominal", sa.Boolean(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("agreement_reference", sa.String(200), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("shared_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("remote_status", sa.String(10), nullable=True),
        sa.Column("remote_status_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["envelope_id"],
            ["icomm_envelope.id"],
            name=op.f("fk_icomm_share_envelope_id_icomm_envelope"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["icomm_peer.id"],
            name=op.f("fk_icomm_share_peer_id_icomm_peer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["icomm_agreement.id"],
            name=op.f("fk_icomm_share_agreement_id_icomm_agreement"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_share")),
        sa.UniqueConstraint("uid", name=op.f("uq_icomm_share_uid")),
    )
    op.create_index("ix_icomm_share_record", "icomm_share", ["entity_type", "entity_id"])
    op.create_index("ix_icomm_share_peer", "icomm_share", ["peer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_icomm_share_peer", table_name="icomm_share")
    op.drop_index("ix_icomm_share_record", table_name="icomm_share")
    op.drop_table("icomm_share")
    with op.batch_alter_table("icomm_agreement") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
