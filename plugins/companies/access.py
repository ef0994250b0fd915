"""Who sees which company: `companies.view`, and drafts only for their author and validators."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from core.gql.context import Principal
from core.workflow import Workflow
from plugins.companies.models import Company

VIEW = "companies.view"
EDIT = "companies.edit"
VALIDATE = "companies.validate"

WORKFLOW = Workflow(entity="Company", noun="company", view=VIEW, edit=EDIT, validate=VALIDATE)
can_see = WORKFLOW.can_see


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on Company for the rows `principal` may see (with `can(VIEW)` checked)."""
    return WORKFLOW.visible_filter(Company, principal)
