"""core: service accounts (core_user.kind) and signed audit checkpoints

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="person"))
    op.create_table(
        "core_audit_checkpoint",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_audit_checkpoint")),
    )


def downgrade() -> None:
    op.drop_table("core_audit_checkpoint")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("kind")
