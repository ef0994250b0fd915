"""icomm: threads, messages, participants, tasks and their history, peers, agreements, envelopes

Revision ID: icomm_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "icomm_0001"
down_revision = None
branch_labels = ("icomm",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "icomm_peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_peer")),
        sa.UniqueConstraint("name", name=op.f("uq_icomm_peer_name")),
        sa.UniqueConstraint("key_id", name=op.f("uq_icomm_peer_key_id")),
    )
    op.create_table(
        "icomm_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("record_types", JSONType, nullable=False),
        sa.Column("nominal", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["icomm_peer.id"],
            name=op.f("fk_icomm_agreement_peer_id_icomm_peer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_agreement")),
    )
    op.create_index("ix_icomm_agreement_peer", "icomm_agreement", ["peer_id"])
    op.create_table(
        "icomm_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("peer_addresses", JSONType, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["icomm_peer.id"],
            name=op.f("fk_icomm_thread_peer_id_icomm_peer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_thread")),
        sa.UniqueConstraint("uid", name=op.f("uq_icomm_thread_uid")),
    )
    op.create_index("ix_icomm_thread_updated", "icomm_thread", ["updated_at", "id"])
    op.create_table(
        "icomm_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", JSONType, nullable=False),
        sa.Column("references", JSONType, nullable=False),
        sa.Column("attachments", JSONType, nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["icomm_thread.id"],
            name=op.f("fk_icomm_message_thread_id_icomm_thread"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["core_user.id"],
            name=op.f("fk_icomm_message_author_id_core_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["icomm_peer.id"],
            name=op.f("fk_icomm_message_peer_id_icomm_peer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_message")),
        sa.UniqueConstraint("uid", name=op.f("uq_icomm_message_uid")),
    )
    op.create_index("ix_icomm_message_thread", "icomm_message", ["thread_id", "id"])
    op.create_table(
        "icomm_participant",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unread", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["icomm_thread.id"],
            name=op.f("fk_icomm_participant_thread_id_icomm_thread"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name=op.f("fk_icomm_participant_user_id_core_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", "user_id", name=op.f("pk_icomm_participant")),
    )
    op.create_index(
        "ix_icomm_participant_inbox", "icomm_participant", ["user_id", "archived", "updated_at"]
    )
    op.create_table(
        "icomm_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("assignee_role", sa.String(100), nullable=True),
        sa.Column("assignee", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["icomm_thread.id"],
            name=op.f("fk_icomm_task_thread_id_icomm_thread"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["core_user.id"],
            name=op.f("fk_icomm_task_assignee_user_id_core_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["core_user.id"],
            name=op.f("fk_icomm_task_created_by_id_core_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_task")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_icomm_task_thread_id")),
    )
    op.create_index("ix_icomm_task_assignee_user", "icomm_task", ["assignee_user_id", "status"])
    op.create_index("ix_icomm_task_assignee_role", "icomm_task", ["assignee_role", "status"])
    op.create_index("ix_icomm_task_record", "icomm_task", ["record_id"])
    op.create_table(
        "icomm_task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("from_status", sa.String(12), nullable=True),
        sa.Column("to_status", sa.String(12), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["icomm_task.id"],
            name=op.f("fk_icomm_task_event_task_id_icomm_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_task_event")),
    )
    op.create_index("ix_icomm_task_event_task", "icomm_task_event", ["task_id", "id"])
    op.create_table(
        "icomm_envelope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("envelope_id", sa.String(36), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("body", JSONType, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("agreement_reference", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["icomm_peer.id"],
            name=op.f("fk_icomm_envelope_peer_id_icomm_peer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["icomm_message.id"],
            name=op.f("fk_icomm_envelope_message_id_icomm_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icomm_envelope")),
        sa.UniqueConstraint("direction", "peer_id", "envelope_id", name="uq_icomm_envelope_id"),
    )
    op.create_index("ix_icomm_envelope_message", "icomm_envelope", ["message_id"])


def downgrade() -> None:
    for table in (
        "icomm_envelope",
        "icomm_task_event",
        "icomm_task",
        "icomm_participant",
        "icomm_message",
        "icomm_thread",
        "icomm_agreement",
        "icomm_peer",
    ):
        op.drop_table(table)
