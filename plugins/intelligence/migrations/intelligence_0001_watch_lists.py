"""intelligence: watch lists and entries, alerts, judgements, revision counters

Revision ID: intelligence_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "intelligence_0001"
down_revision = None
branch_labels = ("intelligence",)
depends_on = "core_0001"


def _fk(table: str, column: str, target: str, **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "intelligence_watch_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("sharing", sa.String(16), nullable=False),
        sa.Column("shared_role", sa.String(64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("intelligence_watch_list", "owner_id", "core_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_watch_list")),
    )
    op.create_index(
        op.f("ix_intelligence_watch_list_owner_id"), "intelligence_watch_list", ["owner_id"]
    )
    op.create_table(
        "intelligence_watch_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        _fk("intelligence_watch_entry", "list_id", "intelligence_watch_list", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_watch_entry")),
    )
    op.create_index(
        op.f("ix_intelligence_watch_entry_list_id"), "intelligence_watch_entry", ["list_id"]
    )
    op.create_table(
        "intelligence_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("view_permission", sa.String(100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", JSONType, nullable=False),
        sa.Column("matched_fields", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("intelligence_alert", "list_id", "intelligence_watch_list", ondelete="CASCADE"),
        _fk("intelligence_alert", "entry_id", "intelligence_watch_entry", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_alert")),
        sa.UniqueConstraint(
            "entry_id", "entity_type", "entity_id", name=op.f("uq_intelligence_alert_entry_id")
        ),
    )
    op.create_index(
        "ix_intelligence_alert_record", "intelligence_alert", ["entity_type", "entity_id"]
    )
    op.create_index("ix_intelligence_alert_list", "intelligence_alert", ["list_id", "id"])
    op.create_table(
        "intelligence_judgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("intelligence_judgement", "alert_id", "intelligence_alert", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_judgement")),
    )
    op.create_index(
        op.f("ix_intelligence_judgement_alert_id"), "intelligence_judgement", ["alert_id"]
    )
    revision_table = op.create_table(
        "intelligence_revision",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_intelligence_revision")),
    )
    op.bulk_insert(revision_table, [{"name": "watch", "value": 0}])


def downgrade() -> None:
    op.drop_table("intelligence_revision")
    op.drop_index(op.f("ix_intelligence_judgement_alert_id"), table_name="intelligence_judgement")
    op.drop_table("intelligence_judgement")
    op.drop_index("ix_intelligence_alert_list", table_name="intelligence_alert")
    op.drop_index("ix_intelligence_alert_record", table_name="intelligence_alert")
    op.drop_table("intelligence_alert")
    op.drop_index(
        op.f("ix_intelligence_watch_entry_list_id"), table_name="intelligence_watch_entry"
    )
    op.drop_table("intelligence_watch_entry")
    op.drop_index(op.f("ix_intelligence_watch_list_owner_id"), table_name="intelligence_watch_list")
    op.drop_table("intelligence_watch_list")
