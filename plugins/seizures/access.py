"""Who sees which seizure: `seizures.view`, and drafts only for their author and validators."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from core.gql.context import Principal
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
