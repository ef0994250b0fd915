"""core: sharing (validators' checks of free text and photos, the export log, received payloads)

Revision ID: core_0017
Revises: core_0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0017"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_sharing_checked_text",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("checked_by", sa.Integer(), nullable=True),
        sa.Column("checked_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_sharing_checked_text")),
        sa.UniqueConstraint(
            "entity_type",
            "entity_id",
            "path",
            name="uq_core_sharing_checked_text_entity_type",
        ),
    )
    op.create_table(
        "core_sharing_photo_check",
        sa.Column("attachment_id", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("shows_no_person", sa.Boolean(), nullable=False),
        sa.Column("checked_by", sa.Integer(), nullable=True),
        sa.Column("checked_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["core_attachment.id"],
            name="fk_core_sharing_photo_check_attachment_id_core_attachment",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_core_sharing_photo_check")),
    )
    op.create_table(
        "core_sharing_export",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("peer", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_by", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("acknowledged_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_sharing_export")),
    )
    op.create_index(
        "ix_core_sharing_export_record",
        "core_sharing_export",
        ["peer", "entity_type", "entity_id"],
    )
    op.create_index("ix_core_sharing_export_status", "core_sharing_export", ["status", "id"])
    op.create_table(
        "core_sharing_received",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("sender_country", sa.String(2), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("data", JSONType, nullable=True),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("withdrawn_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_sharing_received")),
        sa.UniqueConstraint(
            "sender", "entity_type", "source_id", name="uq_core_sharing_received_sender"
        ),
    )
    op.create_index(
        "ix_core_sharing_received_sender_country", "core_sharing_received", ["sender_country"]
    )
    op.create_index("ix_core_sharing_received_type", "core_sharing_received", ["entity_type", "id"])


def downgrade() -> None:
    op.drop_index("ix_core_sharing_received_type", table_name="core_sharing_received")
    op.drop_index("ix_core_sharing_received_sender_country", table_name="core_sharing_received")
    op.drop_table("core_sharing_received")
    op.drop_index("ix_core_sharing_export_status", table_name="core_sharing_export")
    op.drop_index("ix_core_sharing_export_record", table_name="core_sharing_export")
    op.drop_table("core_sharing_export")
    op.drop_table("core_sharing_photo_check")
    op.drop_table("core_sharing_checked_text")
