"""core: code lists and their entries; links between records of any modules

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_codelist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("labels", JSONType, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_codelist")),
        sa.UniqueConstraint("name", name=op.f("uq_core_codelist_name")),
    )
    op.create_table(
        "core_codelist_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("labels", JSONType, nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["core_codelist.id"],
            name=op.f("fk_core_codelist_entry_list_id_core_codelist"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_codelist_entry")),
        sa.UniqueConstraint("list_id", "code", name="uq_core_codelist_entry_list_code"),
    )
    op.create_table(
        "core_link",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("src_type", sa.String(64), nullable=False),
        sa.Column("src_id", sa.String(100), nullable=False),
        sa.Column("src_module", sa.String(64), nullable=False),
        sa.Column("relation", sa.String(64), nullable=False),
        sa.Column("dst_type", sa.String(64), nullable=False),
        sa.Column("dst_id", sa.String(100), nullable=False),
        sa.Column("dst_module", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_link")),
        sa.UniqueConstraint(
            "src_type", "src_id", "relation", "dst_type", "dst_id", name="uq_core_link_edge"
        ),
    )
    # The unique constraint serves lookups from the source side; this one the target side.
    op.create_index("ix_core_link_dst", "core_link", ["dst_type", "dst_id", "relation"])


def downgrade() -> None:
    op.drop_index("ix_core_link_dst", table_name="core_link")
    op.drop_table("core_link")
    op.drop_table("core_codelist_entry")
    op.drop_table("core_codelist")
