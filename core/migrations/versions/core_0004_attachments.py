"""core: attachment store (photo metadata; the files live under <data_dir>/attachments)

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_attachment",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("entity_type", sa.String(100), nullable=True),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("attached_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_attachment")),
    )
    op.create_index("ix_core_attachment_entity", "core_attachment", ["entity_type", "entity_id"])
    op.create_index("ix_core_attachment_sha256", "core_attachment", ["sha256"])
    op.create_index(
        "ix_core_attachment_uploader", "core_attachment", ["uploaded_by", "entity_type"]
    )


def downgrade() -> None:
    op.drop_index("ix_core_attachment_uploader", table_name="core_attachment")
    op.drop_index("ix_core_attachment_sha256", table_name="core_attachment")
    op.drop_index("ix_core_attachment_entity", table_name="core_attachment")
    op.drop_table("core_attachment")
