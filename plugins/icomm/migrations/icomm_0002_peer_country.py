"""icomm: a peer's country (the payloads a national peer shares must name it)

Revision ID: icomm_0002
Revises: icomm_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "icomm_0002"
down_revision = "icomm_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("icomm_peer") as batch:
        batch.add_column(sa.Column("country", sa.String(2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("icomm_peer") as batch:
        batch.drop_column("country")
