"""Who sees which seizure: `seizures.view`, and drafts only for their author and validators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

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


async def visible_case_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> set[str]:
    """Of these case ids, the ones whose photos `principal` may fetch (drafts stay private)."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    rows = await session.scalars(
        select(Case.id).where(Case.id.in_(wanted), visible_filter(principal))
    )
    return {str(i) for i in rows}
