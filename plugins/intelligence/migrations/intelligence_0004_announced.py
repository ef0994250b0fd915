"""intelligence: when an alert was announced to its owner

Revision ID: intelligence_0004
Revises: intelligence_0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "intelligence_0004"
down_revision = "intelligence_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("intelligence_alert", sa.Column("announced_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intelligence_alert") as batch:
        batch.drop_column("announced_at")
