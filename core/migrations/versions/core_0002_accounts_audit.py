"""core: accounts, roles, sessions, API tokens, login throttle and the audit log

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "core_audit_event is append-only"


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{table}")


def upgrade() -> None:
    op.create_table(
        "core_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("last_login_at", UTCDateTime, nullable=True),
        _pk("core_user", "id"),
        sa.UniqueConstraint("username", name="uq_core_user_username"),
    )
    op.create_table(
        "core_role",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        _pk("core_role", "name"),
    )
    op.create_table(
        "core_permission",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        _pk("core_permission", "name"),
    )
    op.create_table(
        "core_role_permission",
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("permission", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["role"],
            ["core_role.name"],
            name="fk_core_role_permission_role_core_role",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permission"],
            ["core_permission.name"],
            name="fk_core_role_permission_permission_core_permission",
            ondelete="CASCADE",
        ),
        _pk("core_role_permission", "role", "permission"),
    )
    op.create_table(
        "core_user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name="fk_core_user_role_user_id_core_user",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"],
            ["core_role.name"],
            name="fk_core_user_role_role_core_role",
            ondelete="CASCADE",
        ),
        _pk("core_user_role", "user_id", "role"),
    )
    op.create_table(
        "core_session",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_seen_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name="fk_core_session_user_id_core_user",
            ondelete="CASCADE",
        ),
        _pk("core_session", "id"),
        sa.UniqueConstraint("token_hash", name="uq_core_session_token_hash"),
    )
    op.create_index("ix_core_session_user_id", "core_session", ["user_id"])
    op.create_table(
        "core_api_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("scopes", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime, nullable=True),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name="fk_core_api_token_user_id_core_user",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["core_user.id"],
            name="fk_core_api_token_created_by_id_core_user",
            ondelete="SET NULL",
        ),
        _pk("core_api_token", "id"),
        sa.UniqueConstraint("token_hash", name="uq_core_api_token_token_hash"),
    )
    op.create_index("ix_core_api_token_user_id", "core_api_token", ["user_id"])
    op.create_table(
        "core_login_throttle",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("locked_until", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        _pk("core_login_throttle", "username"),
    )
    op.create_table(
        "core_audit_event",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=True),
        sa.Column("entity_id", sa.String(200), nullable=True),
        sa.Column("fields", JSONType, nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("detail", JSONType, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _pk("core_audit_event", "seq"),
        sa.UniqueConstraint("hash", name="uq_core_audit_event_hash"),
    )
    op.create_index("ix_core_audit_event_action", "core_audit_event", ["action", "seq"])
    op.create_index(
        "ix_core_audit_event_entity", "core_audit_event", ["entity_type", "entity_id", "seq"]
    )
    op.create_index("ix_core_audit_event_actor", "core_audit_event", ["actor_id", "seq"])
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the audit table."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION core_audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER core_audit_event_no_change BEFORE UPDATE OR DELETE "
            "ON core_audit_event FOR EACH ROW EXECUTE FUNCTION core_audit_event_refuse()"
        )
        op.execute(
            "CREATE TRIGGER core_audit_event_no_truncate BEFORE TRUNCATE "
            "ON core_audit_event FOR EACH STATEMENT EXECUTE FUNCTION core_audit_event_refuse()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER core_audit_event_no_{verb.lower()} BEFORE {verb} "
                f"ON core_audit_event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE core_audit_event")
        op.execute("DROP FUNCTION core_audit_event_refuse()")
    else:
        op.drop_table("core_audit_event")
    for table in (
        "core_login_throttle",
        "core_api_token",
        "core_session",
        "core_user_role",
        "core_role_permission",
        "core_permission",
        "core_role",
        "core_user",
    ):
        op.drop_table(table)
