"""Who sees which person: `suspects.view` (a permission of its own, granted with no other), and
drafts only for their author and validators. Every person served is audited per record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.gql.context import Context, Principal
from core.record_ids import record_ids
from core.workflow import Workflow
from plugins.suspects.models import Person

VIEW = "suspects.view"
EDIT = "suspects.edit"
VALIDATE = "suspects.validate"
ERASE = "suspects.erase"

PERSON = "Person"
_AUDITED_KEY = "suspects.audited"


WORKFLOW = Workflow(
    entity=PERSON,
    noun="person",
    view=VIEW,
    edit=EDIT,
    validate=VALIDATE,
    comment_on_record=True,
)
can_see = WORKFLOW.can_see
audience = WORKFLOW.search_audience


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Person for the rows `principal` may see (with `can(VIEW)` checked)."""
    return WORKFLOW.visible_filter(Person, principal)


async def visible_person_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> set[str]:
    """Of these person ids, the ones whose photos `principal` may fetch (drafts stay private)."""
    if not principal.can(VIEW):
        return set()
    wanted = record_ids(ids)
    rows = await session.scalars(
        select(Person.id).where(Person.id.in_(wanted), visible_filter(principal))
    )
    return {str(i) for i in rows}


async def record_consultation(context: Context, person_ids: Iterable[int]) -> None:
    """One `record.view` event per person served in this request, with the client's purpose.

    Written (and committed) before the data is returned: if the audit write fails, the request
    fails and nothing is served. A person served twice in one request (e.g. through a query and
    a link) is audited once.
    """
    done: set[int] = context.loaders.setdefault(_AUDITED_KEY, set())
    new = [i for i in dict.fromkeys(person_ids) if i not in done]
    if not new:
        return
    done.update(new)
    purpose = audit.request_purpose(getattr(context.request, "headers", None))
    try:
        async with context.instance.db.transaction() as session:
            await audit.record_consultation(
                session,
                actor=context.principal,
                entity_type=PERSON,
                entity_ids=new,
                purpose=purpose,
            )
    except BaseException:
        done.difference_update(new)
        raise
