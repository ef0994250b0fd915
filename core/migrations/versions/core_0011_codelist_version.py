"""core: the version of a code list's shipped data (data-only updates replace only older data)

Revision ID: core_0011
Revises: core_0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0011"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_codelist") as batch:
        batch.add_column(sa.Column("version", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("core_codelist") as batch:
        batch.drop_column("version")
