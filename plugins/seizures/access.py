"""Who sees which seizure: `seizures.view`, and drafts only for their author and validators."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.gql.context import Principal
from core.record_ids import record_ids
from core.workflow import Workflow
from plugins.seizures.models import Case

VIEW = "seizures.view"
EDIT = "seizures.edit"
VALIDATE = "seizures.validate"


ENTITY = "Seizure"
WORKFLOW = Workflow(entity=ENTITY, noun="seizure", view=VIEW, edit=EDIT, validate=VALIDATE)
can_see = WORKFLOW.can_see


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Case for the rows `principal` may see (use with `can(VIEW)` checked)."""
    return WORKFLOW.visible_filter(Case, principal)


async def visible_case_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> set[str]:
    """Of these case ids, the ones whose photos `principal` may fetch (drafts stay private)."""
    wanted = record_ids(ids)
    rows = await session.scalars(
        select(Case.id).where(Case.id.in_(wanted), visible_filter(principal))
    )
    return {str(i) for i in rows}
