"""What a module declares about one kind of record; core's lifecycle does everything else.

A module subclasses `RecordType` once per record type (Saleor's `ModelMutation` is the model):
class attributes say *what* the record is — model, GraphQL type and input, permissions through
its `Workflow`, the child lists an input replaces, what every save and what a submission needs —
and a few methods say what only the module knows: how input is checked against code lists and
copied into the row. Create, update, the submit → validate/return workflow, delete, erasure,
versions, audit, search and record events come from `core.records.lifecycle`, and the mutations
from `core.records.mutations`.

    class CompanyRecord(RecordType[Company, CompanyInput]):
        name, module, noun = "Company", "companies", "company"
        model, input, output = Company, CompanyInput, "plugins.companies.types:Company"
        workflow = access.WORKFLOW
        collections = {"trade_names": "trade_names", "identifiers": "identifiers"}
        requirements = (Requirement("legalName", lambda c: bool(c.legal_name), on_save=True),)

        async def validate(self, ctx, data, record): ...
        def apply(self, record, data): ...
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select
from strawberry import UNSET

from core.gql.errors import ApiError, InputError
from core.workflow import Workflow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.gql.context import Principal
    from core.instance import Instance
    from core.matching.profile import Profile
    from core.search.documents import SearchDocument

RowT = TypeVar("RowT")
InputT = TypeVar("InputT")


def given(value: object) -> bool:
    """Whether an input field was sent at all (left out: keep the stored value)."""
    return value is not UNSET


@dataclass(frozen=True)
class Requirement:
    """A rule on a record's content. `field` is the GraphQL input path a frontend highlights
    (`place.country`); `on_save` rules hold from the first save, the others before submission.
    Forms read `required` from these rules (`core.records.forms`)."""

    field: str
    check: Callable[[Any], bool]
    message: str | None = None
    on_save: bool = False


@dataclass(frozen=True)
class Erasure:
    """Erasure of a record for good (personal data): who may, and on which grounds."""

    permission: str
    grounds: type[enum.Enum]
    description: str = ""


@dataclass(frozen=True)
class DuplicateHint:
    """An existing record that may be the same as one about to be written (an import of a
    record another instance shared): its id, 0-100 how alike, and why (`name`, `birthDate`,
    `document`, `vat:NL004495445B01`)."""

    record_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass
class WriteContext:
    """One write: the transaction, who writes, and the instance (settings, attachments...)."""

    session: AsyncSession
    principal: Principal
    instance: Instance


class RecordType(Generic[RowT, InputT]):
    """A record type of a module. Subclasses set the class attributes and override the hooks
    they need; an instance is registered with `register_record_types`."""

    # --- identity ---------------------------------------------------------------------------
    name: ClassVar[str]  # GraphQL type and mutation suffix: `createCompany`
    module: ClassVar[str]
    noun: ClassVar[str]  # in messages: "no such company"
    model: ClassVar[type]
    input: ClassVar[type]
    # The GraphQL type (or interface) mutations return: the class, or "package.module:Name"
    # (read lazily, so a module's types may import its record declaration).
    output: ClassVar[type | str]
    # GlobalID type names an id may carry; by default `name` (conveyances: Vehicle, Vessel...).
    id_types: ClassVar[tuple[str, ...]] = ()

    # --- rules ------------------------------------------------------------------------------
    workflow: ClassVar[Workflow | None] = None  # None: no submit/validate, any editor edits
    view: ClassVar[str] = ""  # permissions, when there is no workflow to carry them
    edit: ClassVar[str] = ""
    # Child collections on the row -> the input field that replaces them (None: rebuilt by
    # `apply` on every write). Listed collections are compared to name changed fields.
    collections: ClassVar[Mapping[str, str | None]] = {}
    requirements: ClassVar[Sequence[Requirement]] = ()
    erasure: ClassVar[Erasure | None] = None
    # Input path of the photo list (`photos`, `concealment.photos`), if the record has photos.
    photos_field: ClassVar[str | None] = None
    # A record about a person: every record served is a consultation, audited per record, and
    # its search document is purged from disk when it is deleted, not only when erased.
    personal: ClassVar[bool] = False
    descriptions: ClassVar[Mapping[str, str]] = {}  # mutation -> description override
    # Child lists (relationship names) `match_profile` reads; screening loads only these, and
    # may hand it plain objects with the same attributes instead of ORM rows (core.matching).
    match_children: ClassVar[tuple[str, ...]] = ()

    # --- derived ----------------------------------------------------------------------------
    @property
    def view_permission(self) -> str:
        return self.workflow.view if self.workflow else self.view

    @property
    def edit_permission(self) -> str:
        return self.workflow.edit if self.workflow else self.edit

    @property
    def accepted_id_types(self) -> tuple[str, ...]:
        return self.id_types or (self.name,)

    @cached_property
    def output_type(self) -> type:
        if isinstance(self.output, str):
            module, _, attribute = self.output.partition(":")
            return getattr(importlib.import_module(module), attribute)
        return self.output

    @property
    def has_extra(self) -> bool:
        """Extension fields of country plugins live in the row's `extra` JSON column."""
        return hasattr(self.model, "extra") and "extra" in getattr(
            self.input, "__annotations__", {}
        )

    # --- what only the module knows (override) ----------------------------------------------
    def load(self, query: Select[Any]) -> Select[Any]:
        """The query with what a full record needs loaded (child collections)."""
        return query

    def new(self, ctx: WriteContext, data: InputT) -> RowT:
        """An empty row for a create, with the module's defaults."""
        return self.model()

    async def validate(self, ctx: WriteContext, data: InputT, record: RowT | None) -> None:
        """Check and normalise the input (codes, formats); `record` is None on create."""

    def apply(self, record: RowT, data: InputT) -> None:
        """Copy the given input fields into the row (left-out fields keep their value)."""
        raise NotImplementedError(f"{type(self).__name__} must define apply()")

    def check(self, record: RowT) -> None:
        """Rules on the whole record beyond required fields (dates in order...), every save."""

    async def prepare_new(self, ctx: WriteContext, record: RowT) -> None:
        """Last touches of a new record before it is first written (a reference number)."""

    async def prepare_many(self, ctx: WriteContext, records: Sequence[RowT]) -> None:
        """`prepare_new` for a batch of new records (imports); override to do it in one
        statement (seizures reserve their references together)."""
        for record in records:
            await self.prepare_new(ctx, record)

    async def before_save(self, ctx: WriteContext, record: RowT) -> None:
        """Checks that need the database, before each create or update is written (a twin with
        the same identifier). Runs without autoflush: the record is not written yet."""

    def integrity_error(self, record: RowT) -> ApiError | None:
        """The client error for a unique index refusing the write (a concurrent twin), if any."""
        return None

    def photos_of(self, data: InputT) -> list[str] | None:
        """The complete list of photo ids the input asks for, or None to keep them as they are."""
        if self.photos_field is None:
            return None
        value: Any = data
        for part in self.photos_field.split("."):
            value = getattr(value, _attribute(part), UNSET)
            if value is UNSET or value is None:
                return None
        return [str(item) for item in value]

    def submission_requirements(self, record: RowT) -> Sequence[Requirement]:
        return [r for r in self.requirements if not r.on_save]

    def incomplete_message(self, record: RowT, missing: Sequence[str]) -> str:
        return f"the {self.noun} is incomplete: {', '.join(missing)}"

    def check_erasable(self, record: RowT, ground: enum.Enum) -> None:
        """Refuse an erasure on this ground (e.g. a retention period not ended yet)."""

    def entity_filter(self, entity_type: str) -> Any:
        """SQL condition on `model` for the rows of one entity type, when `id_types` names
        several (conveyances: `Conveyance.kind == "vehicle"`)."""
        raise NotImplementedError(f"{type(self).__name__} declares id_types: define entity_filter")

    def entity_type_of(self, record: RowT) -> str:
        """The entity type of a row (audit, search, links, events); one per record type mostly."""
        return self.name

    def audit_detail(self, record: RowT) -> dict[str, Any] | None:
        """What the create and delete events say beyond field names (never personal data)."""
        return None

    def to_graphql(self, record: RowT) -> Any:
        return self.output_type.from_row(record)  # type: ignore[attr-defined]  # output types declare `from_row` by convention (RecordType docs)

    def search_document(self, instance: Instance, record: RowT) -> SearchDocument | None:
        """The record's search document; None keeps the type out of search."""
        return None

    async def duplicate_hints(self, ctx: WriteContext, record: RowT) -> Sequence[DuplicateHint]:
        """Records `ctx.principal` may see that may be the same as `record`, a row checked but
        not written (`lifecycle.check_create`), most likely first. Shown before importing a
        record another instance shared; none by default."""
        return ()

    def match_profile(self, record: RowT) -> Profile | None:
        """The record as matching sees it (names, identifiers, dates: `core.matching`); None
        keeps the type out of screening and cross-referencing. Reads only columns and the child
        lists named in `match_children`: `record` may be an ORM row or a plain object with the
        same attributes (`core.matching.rows`)."""
        return None

    # --- reading, shared by every path -------------------------------------------------------
    def can_see(self, principal: Principal, record: RowT) -> bool:
        if self.workflow is not None:
            return self.workflow.can_see(principal, record)
        return principal.can(self.view)

    def search_audience(self, principal: Principal) -> list[str] | None:
        return self.workflow.search_audience(principal) if self.workflow else None

    async def visible_ids(
        self, session: AsyncSession, principal: Principal, ids: Sequence[str]
    ) -> set[str]:
        """Of these record ids, the ones `principal` may see (photo downloads, subscribers)."""
        from sqlalchemy import select

        from core.record_ids import record_ids

        if not principal.can(self.view_permission):
            return set()
        wanted = record_ids(ids)
        query = select(self.model.id).where(self.model.id.in_(wanted))  # type: ignore[attr-defined]  # record models have an integer `id` by convention
        if self.workflow is not None:
            query = query.where(self.workflow.visible_filter(self.model, principal))
        return {str(i) for i in await session.scalars(query)}

    def missing_for_submission(self, record: RowT) -> list[str]:
        return [r.field for r in self.submission_requirements(record) if not r.check(record)]

    def require_on_save(self, record: RowT) -> None:
        for rule in self.requirements:
            if rule.on_save and not rule.check(record):
                raise InputError(
                    rule.message or f"{rule.field} is required", field=rule.field, code="REQUIRED"
                )
        self.check(record)


@cache
def _attribute(part: str) -> str:
    """`concealment` -> `concealment`, `photoIds` -> `photo_ids`: input paths are camelCase."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in part)
