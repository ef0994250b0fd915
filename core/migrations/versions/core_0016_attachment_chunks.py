"""core: photo files in the database, in chunks (several app servers, no shared disk)

Revision ID: core_0016
Revises: core_0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_attachment_chunk",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "kind", "seq", name="pk_core_attachment_chunk"),
    )


def downgrade() -> None:
    op.drop_table("core_attachment_chunk")
