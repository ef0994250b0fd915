"""Who sees which person: `suspects.view` (a permission of its own, granted with no other), and
drafts only for their author and validators. Every person served is audited per record (core's
consultation audit: `types.serve_persons`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from core.gql.context import Principal
from core.workflow import Workflow
from plugins.suspects.models import Person

VIEW = "suspects.view"
EDIT = "suspects.edit"
VALIDATE = "suspects.validate"
ERASE = "suspects.erase"

PERSON = "Person"


WORKFLOW = Workflow(
    entity=PERSON,
    noun="person",
    view=VIEW,
    edit=EDIT,
    validate=VALIDATE,
    comment_on_record=True,
)
can_see = WORKFLOW.can_see


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Person for the rows `principal` may see (with `can(VIEW)` checked)."""
    return WORKFLOW.visible_filter(Person, principal)
