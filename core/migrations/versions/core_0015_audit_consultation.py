"""core: per-record index of consultation events (one `record.view` event per request and
entity type names every record served; this index finds them by record)

Revision ID: core_0015
Revises: core_0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0015"
down_revision = "core_0013"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "core_audit_consultation is append-only"


def upgrade() -> None:
    op.create_table(
        "core_audit_consultation",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["core_audit_event.seq"],
            name="fk_core_audit_consultation_seq_core_audit_event",
        ),
        sa.PrimaryKeyConstraint("seq", "entity_id", name="pk_core_audit_consultation"),
    )
    op.create_index(
        "ix_core_audit_consultation_entity",
        "core_audit_consultation",
        ["entity_type", "entity_id", "seq"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION core_audit_consultation_refuse() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER core_audit_consultation_no_change BEFORE UPDATE OR DELETE ON "
            "core_audit_consultation FOR EACH ROW EXECUTE FUNCTION core_audit_consultation_refuse()"
        )
        op.execute(
            "CREATE TRIGGER core_audit_consultation_no_truncate BEFORE TRUNCATE ON "
            "core_audit_consultation FOR EACH STATEMENT "
            "EXECUTE FUNCTION core_audit_consultation_refuse()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER core_audit_consultation_no_{verb.lower()} BEFORE {verb} ON "
                f"core_audit_consultation BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    op.drop_table("core_audit_consultation")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION core_audit_consultation_refuse()")
