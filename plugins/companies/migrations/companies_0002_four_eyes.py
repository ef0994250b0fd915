"""companies: who last changed each record (four-eyes: they may not validate it)

Revision ID: companies_0002
Revises: companies_0001
Create Date: 2026-12-02
"""

from alembic import op

from core.workflow import add_last_changed_by

revision = "companies_0002"
down_revision = "companies_0001"
branch_labels = None
depends_on = "core_0002"  # the audit log it reads


def upgrade() -> None:
    add_last_changed_by("companies_company", "Company")


def downgrade() -> None:
    with op.batch_alter_table("companies_company") as batch:
        batch.drop_column("last_changed_by")
