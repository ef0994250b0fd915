"""suspects: who last changed each record (four-eyes: they may not validate it)

Revision ID: suspects_0002
Revises: suspects_0001
Create Date: 2026-12-02
"""

from alembic import op

from core.workflow import add_last_changed_by

revision = "suspects_0002"
down_revision = "suspects_0001"
branch_labels = None
depends_on = "core_0002"  # the audit log it reads


def upgrade() -> None:
    add_last_changed_by("suspects_person", "Person")


def downgrade() -> None:
    with op.batch_alter_table("suspects_person") as batch:
        batch.drop_column("last_changed_by")
