"""Test module `permits`: one record type, `Permit`, declared to core and nothing more.

No mutations, no services, no search fetcher, no history field, no node resolution: the tests
prove that core's
record lifecycle supplies them (tests/test_record_lifecycle.py), as docs/writing-plugins.md
promises a plugin author.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import strawberry
from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column
from strawberry import UNSET, relay

from core.auth.permissions import Permission
from core.db import NOMINAL, Base, JSONType
from core.forms import (
    EntityForm,
    ExtensionField,
    FormField,
    column_field,
    extension_values_field,
)
from core.hookspecs import hookimpl
from core.links.declarations import LinkType
from core.module import ModuleInfo
from core.records import Record, RecordType, Requirement, given
from core.search import SearchDocument
from core.workflow import Workflow, WorkflowColumns


class PermitRow(WorkflowColumns, Base):
    __tablename__ = "permits_permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20))
    holder: Mapped[str | None] = mapped_column(String(120), info=NOMINAL)
    commodity: Mapped[str | None] = mapped_column(String(40))
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


@strawberry.type(name="Permit", description="An import permit (test module).")
class Permit(Record):
    owner_module: ClassVar[str] = "permits"

    id: relay.NodeID[int]
    status: str
    version: int
    number: str | None
    holder: str | None
    commodity: str | None
    valid_until: dt.date | None
    extra: strawberry.scalars.JSON = extension_values_field("Permit")

    @classmethod
    def from_row(cls, row: PermitRow) -> Permit:
        return cls(
            id=row.id,
            status=row.status,
            version=row.version,
            number=row.number,
            holder=row.holder,
            commodity=row.commodity,
            valid_until=row.valid_until,
            extra=row.extra or {},
        )


@strawberry.input(name="PermitInput")
class PermitInput:
    number: str | None = UNSET
    holder: str | None = UNSET
    commodity: str | None = UNSET
    valid_until: dt.date | None = UNSET
    extra: strawberry.scalars.JSON | None = UNSET


WORKFLOW = Workflow(
    entity="Permit",
    noun="permit",
    view="permits.view",
    edit="permits.edit",
    validate="permits.validate",
)


class PermitRecord(RecordType[PermitRow, PermitInput]):
    name, module, noun = "Permit", "permits", "permit"
    model, input, output = PermitRow, PermitInput, Permit
    workflow = WORKFLOW
    requirements = (
        Requirement("number", lambda p: bool(p.number), "the permit number is required", True),
        Requirement("holder", lambda p: bool(p.holder)),
        Requirement("validUntil", lambda p: p.valid_until is not None),
    )

    def apply(self, row: PermitRow, data: PermitInput) -> None:
        for name in ("number", "holder", "commodity", "valid_until"):
            value = getattr(data, name)
            if given(value):
                setattr(row, name, value)

    def search_document(self, instance: Any, row: PermitRow) -> SearchDocument:
        return SearchDocument(
            entity_type="Permit",
            id=str(row.id),
            module="permits",
            title=f"Permit {row.number}",
            content=" ".join(filter(None, (row.holder, row.commodity))),
            keywords={"codes": [f"status:{row.status}"]},
            audience=[f"user:{row.created_by}"] if row.status == "draft" else None,
        )


RECORD = PermitRecord()


class PermitsModule:
    info = ModuleInfo(name="permits", version="0.1.0", label="Permits (test)")

    @hookimpl
    def register_models(self) -> list[type]:
        return [PermitRow]

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission("permits.view", "See permits", ("officer", "validator", "analyst")),
            Permission("permits.edit", "Enter permits", ("officer", "validator")),
            Permission("permits.validate", "Validate permits", ("validator",)),
        ]

    @hookimpl
    def register_record_types(self) -> list[RecordType]:
        return [RECORD]

    @hookimpl
    def register_entity_forms(self) -> list[EntityForm]:
        label = {"en": "label"}
        return [
            EntityForm(
                "Permit",
                table="permits_permit",
                fields=[
                    column_field("number", "string", PermitRow.number, label),
                    column_field("holder", "string", PermitRow.holder, label),
                    column_field("commodity", "string", PermitRow.commodity, label),
                    column_field("validUntil", "date", PermitRow.valid_until, label),
                ],
            )
        ]

    @hookimpl
    def register_extension_fields(self) -> list[ExtensionField]:
        # A nominal extension field on its own type: reading it is a consultation.
        return [ExtensionField("Permit", FormField("agentName", "string", nominal=True))]

    @hookimpl
    def register_link_types(self) -> list[LinkType]:
        return [LinkType("Permit", "covers", "Seizure", inverse="coveredBy")]
