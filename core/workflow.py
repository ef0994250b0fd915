"""The record workflow every ncen database shares, written once.

draft -> submitted -> validated, or submitted -> returned (with a comment) -> submitted. Only the
author edits, submits and deletes a draft or returned record; a validator never validates what they
entered; editing a validated record needs a reason and sends it back to submitted. Every change
bumps the record's `version` (optimistic concurrency). Four eyes: nobody validates a record they
entered or whose last change is theirs.

This module is the policy (who may do what, and the state each step leaves); the one write path
that audits each step, queues it for the index and emits its record event is
`core.records.lifecycle`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, bindparam, or_, true
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, utcnow
from core.gql.context import Principal
from core.gql.errors import ConflictError, InputError, PermissionDeniedError

EDITABLE_BY_AUTHOR = frozenset({"draft", "returned"})


class WorkflowColumns:
    """Declarative mixin: the columns of a record that follows the workflow (and the type the
    workflow's methods take)."""

    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    validated_by: Mapped[int | None] = mapped_column(Integer)
    validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Who made the last change to the content (four-eyes: they may not validate it).
    last_changed_by: Mapped[int | None] = mapped_column(Integer)


def user_id(principal: Principal) -> int | None:
    """The user behind a principal; None for API clients acting as no user."""
    return getattr(principal, "user_id", None)


def require(principal: Principal, permission: str, field: str) -> None:
    if not principal.can(permission):
        raise PermissionDeniedError(f"{permission} is required", field=field)


def check_version(record: Any, version: int, noun: str) -> None:
    """Optimistic concurrency: a write names the version it read; a stale one is refused."""
    if record.version != version:
        raise ConflictError(
            f"the {noun} changed since it was read (version {version}, "
            f"now {record.version}); reload it and apply the change again",
            field="version",
            current_version=record.version,
        )


@dataclass(frozen=True)
class Workflow:
    """The workflow of one entity type.

    `comment_on_record`: where a return comment or an edit reason is kept. Databases of persons
    keep it on the record (a `workflow_comment` column) and out of the append-only audit log, so
    that erasing the record leaves no text about the person behind; the others keep it in the
    audit event.
    """

    entity: str
    noun: str
    view: str
    edit: str
    validate: str
    comment_on_record: bool = False

    # --- who may see what -------------------------------------------------------------------

    def visible_filter(self, model: Any, principal: Principal) -> ColumnElement[bool]:
        """SQL condition on `model` for the rows `principal` may see (with `can(view)` checked):
        drafts stay with their author and the validators."""
        if principal.can(self.validate):
            return true()
        return or_(model.status != "draft", model.created_by == user_id(principal))

    def visible_to_viewer(self, model: Any, validator: bool) -> ColumnElement[bool]:
        """`visible_filter` with the caller as the bound parameter `viewer` (their user id), so
        that a statement built on it is built once per kind of caller (validator or not), not
        per request: building and keying a statement costs more than running a small one."""
        if validator:
            return true()
        return or_(model.status != "draft", model.created_by == bindparam("viewer"))

    def can_see(self, principal: Principal, record: Any) -> bool:
        if not principal.can(self.view):
            return False
        return (
            record.status != "draft"
            or principal.can(self.validate)
            or record.created_by == user_id(principal)
        )

    def search_audience(self, principal: Principal) -> list[str] | None:
        """Search audience tokens: validators see every document, others also their drafts."""
        if principal.can(self.validate):
            return None
        uid = user_id(principal)
        return [f"user:{uid}"] if uid is not None else []

    # --- checks, each raising the error the API reports --------------------------------------

    def check_editable(
        self, principal: Principal, record: WorkflowColumns, reason: str | None
    ) -> None:
        is_author = record.created_by == user_id(principal)
        if record.status in EDITABLE_BY_AUTHOR and not is_author:
            raise PermissionDeniedError(
                f"only its author edits a draft or returned {self.noun}", field="id"
            )
        if record.status == "submitted":
            raise ConflictError(
                f"a submitted {self.noun} is being checked: it must be returned first", field="id"
            )
        if record.status == "validated" and not (reason and reason.strip()):
            raise InputError(
                f"editing a validated {self.noun} needs a reason", field="reason", code="REQUIRED"
            )

    def check_submittable(self, principal: Principal, record: WorkflowColumns) -> None:
        if record.status not in EDITABLE_BY_AUTHOR:
            raise ConflictError(f"a {record.status} {self.noun} cannot be submitted", field="id")
        if record.created_by != user_id(principal):
            raise PermissionDeniedError(f"only its author submits a {self.noun}", field="id")

    def check_validatable(self, principal: Principal, record: WorkflowColumns) -> None:
        if record.status != "submitted":
            raise ConflictError(f"a {record.status} {self.noun} cannot be validated", field="id")
        me = user_id(principal)
        if record.created_by is not None and record.created_by == me:
            raise PermissionDeniedError(
                f"a validator cannot validate a {self.noun} they entered", field="id"
            )
        if record.last_changed_by is not None and record.last_changed_by == me:
            raise PermissionDeniedError(
                f"a validator cannot validate a {self.noun} whose last change is theirs: "
                "another validator checks it",
                field="id",
                code="FOUR_EYES",
            )

    def check_returnable(self, record: WorkflowColumns, comment: str | None) -> str:
        """The comment, stripped: a return says what must be fixed."""
        if not comment or not comment.strip():
            raise InputError("say what must be fixed", field="comment", code="REQUIRED")
        if record.status != "submitted":
            raise ConflictError(f"a {record.status} {self.noun} cannot be returned", field="id")
        return comment.strip()

    def check_deletable(self, principal: Principal, record: WorkflowColumns) -> None:
        if record.status != "draft":
            raise ConflictError("only drafts can be deleted", field="id")
        if record.created_by != user_id(principal) and not principal.can(self.validate):
            raise PermissionDeniedError("only its author deletes a draft", field="id")

    # --- state changes (core.records.lifecycle audits them and writes their events) ---------

    def transition(
        self, principal: Principal, record: WorkflowColumns, to: str, comment: str | None = None
    ) -> dict[str, Any]:
        """Move the record to `to` and bump its version; return the audit detail of the step."""
        previous = record.status
        record.status = to
        record.version += 1
        now = dt.datetime.now(dt.UTC)
        if to == "submitted":
            record.submitted_at = now
        if to == "validated":
            record.validated_at, record.validated_by = now, user_id(principal)
        detail: dict[str, Any] = {"from": previous, "to": to, "version": record.version}
        if self.comment_on_record:
            record.workflow_comment = comment  # type: ignore[attr-defined]  # declared by record types with `comment_on_record`
        else:
            detail["comment"] = comment
        return detail

    def edited(
        self, principal: Principal, record: WorkflowColumns, reason: str | None
    ) -> dict[str, Any]:
        """An edit that changed something: a validated record goes back to submitted, and the
        editor becomes the one who may not validate it. Returns the audit detail."""
        previous = record.status
        if record.status == "validated":
            record.status, record.validated_by, record.validated_at = "submitted", None, None
            record.submitted_at = dt.datetime.now(dt.UTC)
            if self.comment_on_record:
                record.workflow_comment = reason.strip() if reason else None  # type: ignore[attr-defined]  # declared by record types with `comment_on_record`
        record.version += 1
        record.last_changed_by = user_id(principal)
        detail: dict[str, Any] = {"version": record.version}
        if previous != record.status:
            detail.update({"from": previous, "to": record.status})
            if not self.comment_on_record:
                detail["reason"] = reason
        return detail


def add_last_changed_by(table: str, entity_type: str) -> None:
    """Migration step of a module whose records follow the workflow: add `last_changed_by` and
    fill it from the audit log (the user of the record's last create or update event, else its
    author), so four-eyes holds for records written before the column existed."""
    import sqlalchemy as sa
    from alembic import op

    op.add_column(table, sa.Column("last_changed_by", sa.Integer(), nullable=True))
    op.execute(
        f"""
        UPDATE {table} SET last_changed_by = (
            SELECT CAST(e.actor_id AS INTEGER) FROM core_audit_event e
            WHERE e.entity_type = '{entity_type}'
              AND e.entity_id = CAST({table}.id AS VARCHAR(200))
              AND e.action IN ('record.create', 'record.update')
              AND e.actor_type IN ('user', 'token')
            ORDER BY e.seq DESC LIMIT 1
        )
        """
    )
    op.execute(f"UPDATE {table} SET last_changed_by = created_by WHERE last_changed_by IS NULL")
