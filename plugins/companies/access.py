"""Who sees which company: `companies.view`, and drafts only for their author and validators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from core.gql.context import Principal
from plugins.companies.models import Company

VIEW = "companies.view"
EDIT = "companies.edit"
VALIDATE = "companies.validate"


def user_id(principal: Principal) -> int | None:
    return getattr(principal, "user_id", None)


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Company for the rows `principal` may see (with `can(VIEW)` checked)."""
    if principal.can(VALIDATE):
        return true()
    return or_(Company.status != "draft", Company.created_by == user_id(principal))


def can_see(principal: Principal, company: Any) -> bool:
    if not principal.can(VIEW):
        return False
    return (
        company.status != "draft"
        or principal.can(VALIDATE)
        or company.created_by == user_id(principal)
    )


def search_audience(principal: Principal) -> list[str] | None:
    """Search: validators see every document, others those without audience and their drafts."""
    if principal.can(VALIDATE):
        return None
    uid = user_id(principal)
    return [f"user:{uid}"] if uid is not None else []
