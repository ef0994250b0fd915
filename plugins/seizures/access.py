"""Who sees which seizure: `seizures.view`, and drafts only for their author and validators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from core.gql.context import Principal
from plugins.seizures.models import Case

VIEW = "seizures.view"
EDIT = "seizures.edit"
VALIDATE = "seizures.validate"


def user_id(principal: Principal) -> int | None:
    return getattr(principal, "user_id", None)


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Case for the rows `principal` may see (use with `can(VIEW)` checked)."""
    if principal.can(VALIDATE):
        return true()
    return or_(Case.status != "draft", Case.created_by == user_id(principal))


def can_see(principal: Principal, case: Any) -> bool:
    if not principal.can(VIEW):
        return False
    return (
        case.status != "draft" or principal.can(VALIDATE) or case.created_by == user_id(principal)
    )
