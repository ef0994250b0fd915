"""seizures: who last changed each record (four-eyes: they may not validate it)

Revision ID: seizures_0002
Revises: seizures_0001
Create Date: 2026-12-02
"""

from alembic import op

from core.workflow import add_last_changed_by

revision = "seizures_0002"
down_revision = "seizures_0001"
branch_labels = None
depends_on = "core_0002"  # the audit log it reads


def upgrade() -> None:
    add_last_changed_by("seizures_case", "Seizure")


def downgrade() -> None:
    with op.batch_alter_table("seizures_case") as batch:
        batch.drop_column("last_changed_by")
