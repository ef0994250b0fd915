"""Icomm's tables: threads of messages with per-user read state, tasks with their history,
and the connected instances (peers), their agreements and the envelopes exchanged with them.

Threads are the unit users see in their inbox. A message addressed to a role reaches the role's
members of the moment it is sent (one participant row each): read state and archive are per
user, and a later member of the role does not inherit old mail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import NOMINAL, Base, JSONType, UTCDateTime, utcnow

# Thread kinds
MESSAGE, TASK, NOTICE = "message", "task", "notice"
THREAD_KINDS = (MESSAGE, TASK, NOTICE)

# Task states and priorities
OPEN, IN_PROGRESS, DONE, CANCELLED = "open", "in_progress", "done", "cancelled"
TASK_STATES = (OPEN, IN_PROGRESS, DONE, CANCELLED)
ACTIVE_STATES = (OPEN, IN_PROGRESS)
PRIORITIES = ("low", "normal", "high", "urgent")

# Agreement directions
SEND, RECEIVE, BOTH = "send", "receive", "both"
DIRECTIONS = (SEND, RECEIVE, BOTH)

# Envelope directions and states (outgoing: queued -> sent -> delivered -> read, or failed)
OUT, IN = "out", "in"
QUEUED, SENT, DELIVERED, READ, FAILED, RECEIVED = (
    "queued",
    "sent",
    "delivered",
    "read",
    "failed",
    "received",
)
ENVELOPE_STATES = (QUEUED, SENT, DELIVERED, READ, FAILED, RECEIVED)


class Thread(Base):
    __tablename__ = "icomm_thread"
    __table_args__ = (Index("ix_icomm_thread_updated", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable across instances: a thread started here keeps its uid on the peer's side.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=MESSAGE)
    subject: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    # The connected instance the thread is held with, if any (its registered name here), and
    # the addresses on that instance's side (`role:liaison`, `alice`).
    peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_peer.id", ondelete="SET NULL"), nullable=True
    )
    peer_addresses: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Message(Base):
    __tablename__ = "icomm_message"
    __table_args__ = (Index("ix_icomm_message_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("icomm_thread.id", ondelete="CASCADE"))
    # A local author's user id; None for a system notice or a message from a peer.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True
    )
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, info=NOMINAL)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    references: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_peer.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Participant(Base):
    """One user's view of a thread: unread messages, archived or not."""

    __tablename__ = "icomm_participant"
    __table_args__ = (Index("ix_icomm_participant_inbox", "user_id", "archived", "updated_at"),)

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("icomm_thread.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True
    )
    unread: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    __tablename__ = "icomm_task"
    __table_args__ = (
        Index("ix_icomm_task_assignee_user", "assignee_user_id", "status"),
        Index("ix_icomm_task_assignee_role", "assignee_role", "status"),
        Index("ix_icomm_task_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("icomm_thread.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    instructions: Mapped[str] = mapped_column(Text, default="", info=NOMINAL)
    record_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True
    )
    assignee_role: Mapped[str | None] = mapped_column(String(100), nullable=True)
    assignee: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskEvent(Base):
    """One step of a task's history: created, status changed, commented."""

    __tablename__ = "icomm_task_event"
    __table_args__ = (Index("ix_icomm_task_event_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("icomm_task.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="", info=NOMINAL)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Peer(Base):
    """A connected instance: where it is served and the public key its envelopes verify with."""

    __tablename__ = "icomm_peer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    public_key: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    # The peer's country (ISO 3166 alpha-2), which payloads it shares must name as theirs.
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Agreement(Base):
    """The legal premise of an exchange with a peer: nothing is sent or accepted without one
    valid today in that direction."""

    __tablename__ = "icomm_agreement"
    __table_args__ = (Index("ix_icomm_agreement_peer", "peer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("icomm_peer.id", ondelete="CASCADE"))
    legal_basis: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    direction: Mapped[str] = mapped_column(String(10), default=BOTH)
    record_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    nominal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A revoked agreement stays (it is the legal basis of what was exchanged under it) but
    # allows nothing more, in either direction.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Envelope(Base):
    """One envelope sent to or received from a peer. Received ones are kept by id so that a
    second delivery (a retry, or a replay) is recognised and never applied twice."""

    __tablename__ = "icomm_envelope"
    __table_args__ = (
        UniqueConstraint("direction", "peer_id", "envelope_id", name="uq_icomm_envelope_id"),
        Index("ix_icomm_envelope_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    envelope_id: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))
    peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_peer.id", ondelete="SET NULL"), nullable=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_message.id", ondelete="CASCADE"), nullable=True
    )
    # Outgoing receipts: what they acknowledge ({"messages": [uid, ...], "status": "read"}).
    body: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(10))
    agreement_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Share(Base):
    """A record shared with a peer (`shareRecord`): what was sent, under which agreement, and
    what became of it. Delivery is its envelope's (`queued`, `delivered`, `failed`); the
    receiver's later receipts say `imported` or `linked`."""

    __tablename__ = "icomm_share"
    __table_args__ = (
        Index("ix_icomm_share_record", "entity_type", "entity_id"),
        Index("ix_icomm_share_peer", "peer_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    envelope_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_envelope.id", ondelete="SET NULL"), nullable=True
    )
    peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_peer.id", ondelete="SET NULL"), nullable=True
    )
    peer_name: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(64))
    record_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    nominal: Mapped[bool] = mapped_column(Boolean, default=False)
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("icomm_agreement.id", ondelete="SET NULL"), nullable=True
    )
    agreement_reference: Mapped[str] = mapped_column(String(200))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    shared_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the receiver reported after delivery: `imported` or `linked`, and when.
    remote_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    remote_status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


MODELS: list[type[Base]] = [
    Thread,
    Message,
    Participant,
    Task,
    TaskEvent,
    Peer,
    Agreement,
    Envelope,
    Share,
]
