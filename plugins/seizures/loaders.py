"""Per-request DataLoaders and page reads: a list of N seizures costs a constant number of SQL
statements.

Lists read with Core (`read_page`): one statement for the page and one per child collection,
whatever the page size, and plain rows instead of ORM instances, which cost a multiple of the
row to build and are never written to here. Single records and the write path keep the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, Table, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload
from strawberry.dataloader import DataLoader

from core.attachments.service import AttachmentInfo
from core.gql.context import Context
from core.gql.selection import Tree, operation_fields, operation_names, operation_needs
from core.internals import graphql_core_schema
from core.records.page_reads import Child, PageReads
from core.sqlite_reads import InPlaceConnection
from plugins.seizures.models import (
    Case,
    Container,
    GoodsLine,
    OffenderSummary,
    RiskIndicator,
    RouteLeg,
)

CASE_TABLE: Table = Case.__table__  # type: ignore[assignment]

# Child collections of a case: attribute on Case -> table and order within a case, as on the ORM
# relationships, so that a `CaseRecord` reads like a `Case`.
CHILDREN: dict[str, Child] = {
    "goods": Child(GoodsLine.__table__, "case_id", "position"),  # type: ignore[arg-type]
    "route": Child(RouteLeg.__table__, "case_id", "position"),  # type: ignore[arg-type]
    "containers": Child(Container.__table__, "case_id", "number"),  # type: ignore[arg-type]
    "risk_indicators": Child(RiskIndicator.__table__, "case_id", "code"),  # type: ignore[arg-type]
    "offenders": Child(OffenderSummary.__table__, "case_id", "position"),  # type: ignore[arg-type]
}


class CaseRecord(SimpleNamespace):
    """A case read with Core: the columns of `seizures_case` and the child rows, under the
    attribute names of `Case` (so forms, access checks and `Seizure.from_row` take either),
    plus `photos`, the attachments of the case.

    A page reads only the columns its selection serves (`columns`); the columns not read are
    None here (class attributes), and such a record is never primed into the request's loader
    of cases, which other fields use."""


def with_children(query: Select[tuple[Case]]) -> Select[tuple[Case]]:
    """Load every child collection of ORM cases in one extra statement each (per 500 cases)."""
    return query.options(
        selectinload(Case.goods),
        selectinload(Case.route),
        selectinload(Case.containers),
        selectinload(Case.risk_indicators),
        selectinload(Case.offenders),
    )


# GraphQL fields of a seizure -> the columns of `seizures_case` they are served from. A field not
# named here (completeness, missing fields, fields of the Record interface or added by other
# modules, which may look at the whole case) makes a page read every column.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "reference": ("reference",),
    "nationalCaseNumber": ("national_case_number",),
    "status": ("status",),
    "form": ("form",),
    "version": ("version",),
    "seizureDate": ("seizure_date",),
    "seizureTime": ("seizure_time",),
    "reportingOffice": ("reporting_office",),
    "place": ("place_country", "place_code", "place_name", "location_type"),
    "direction": ("direction",),
    "area": ("area",),
    "offenceType": ("offence_type",),
    "detectionMethod": ("detection_method",),
    "riskIndicators": (),
    "concealment": ("concealment_method", "concealment_description"),
    "conveyance": (
        "transport_mode",
        "conveyance_type",
        "conveyance_identifier",
        "vessel_imo",
        "conveyance_country",
    ),
    "goods": (),
    "route": (),
    "offenders": (),
    "narrative": ("narrative",),
    "internalNotes": ("internal_notes",),
    "createdAt": ("created_at",),
    "updatedAt": ("updated_at",),
    "submittedAt": ("submitted_at",),
    "validatedAt": ("validated_at",),
    "extra": ("extra",),
    # Of the Entity interface: read from the type, not the case.
    "entityType": (),
    "module": (),
}
# Read with a case by id whatever the selection: who may see it (`access.can_see`).
ACCESS_COLUMNS = ("status", "created_by")


# How pages read cases (core/records/page_reads.py); the seizure date is the cursor's key.
PAGE = PageReads(
    CASE_TABLE, CaseRecord, CHILDREN, FIELD_COLUMNS, key_columns=("id", "seizure_date")
)


def page_query(columns: tuple[str, ...] | None = None) -> Select[Any]:
    """`SELECT <columns of seizures_case>` (all of them when None): the start of a page for
    `read_page`."""
    return PAGE.select(columns)


def columns(node: Tree) -> tuple[str, ...] | None:
    """The columns of `seizures_case` to read to serve the selection `node` of a seizure; None:
    every column."""
    return PAGE.columns(node)


# GraphQL fields of a seizure -> the child collections they are served from. Completeness and
# missing fields look at every collection.
FIELD_CHILDREN: dict[str, tuple[str, ...]] = {
    "goods": ("goods",),
    "route": ("route",),
    "riskIndicators": ("risk_indicators",),
    "conveyance": ("containers",),
    "offenders": ("offenders",),
    "completeness": tuple(CHILDREN),
    "missingFields": tuple(CHILDREN),
}


def wanted(node: Tree) -> tuple[frozenset[str], bool]:
    """The child collections and whether the photos are needed to serve the selection `node`
    of a seizure."""
    children = {child for name in node.names for child in FIELD_CHILDREN.get(name, ())}
    return frozenset(children), node.at("concealment").has("photos")


async def read_page(
    session: AsyncSession,
    context: Context,
    page: Select[Any],
    children: frozenset[str] | None = None,
    photos: bool = True,
    params: dict[str, Any] | None = None,
) -> list[CaseRecord]:
    """The cases of `page` (built on `page_query()`) with their children and photos: all of
    them, or the `children` named and the photos if `photos`, so that a page costs what its
    selection needs (`wanted`).

    One statement for the cases, one per child collection and one for the photos: the ids of
    the page go in a single `IN` list (a page is capped by `max_page_size`), so the count does
    not grow with the page, unlike `selectinload`, which splits its list every 500 ids.
    """
    cases = await read_cases(session, page, children, params)
    if cases and photos:
        ids = [case.id for case in cases]
        found = await context.instance.attachments.list_for(session, "Seizure", ids)
        for case, infos in zip(cases, found, strict=True):
            case.photos = infos
    return cases


async def read_cases(
    session: AsyncSession | AsyncConnection | InPlaceConnection,
    page: Select[Any],
    children: frozenset[str] | None = None,
    params: dict[str, Any] | None = None,
) -> list[CaseRecord]:
    """The cases of `page` (built on `page_query()`) with their child collections (all, or
    those named in `children`; the others are left empty), as plain rows: one statement for
    the cases and one per collection read (lists, search documents)."""
    return await PAGE.read(session, page, children, params)


def photo_infos(case: Any) -> list[AttachmentInfo] | None:
    """The photos read with the case (`read_page`), or None when they were not."""
    return getattr(case, "photos", None)


def case_loader(context: Context) -> DataLoader[int, Case | None]:
    """Cases by id with every child collection, read with Core as a page is (`read_cases`):
    `node`, links and search hits cost what a page of the same cases costs."""

    async def load(ids: Sequence[int]) -> list[Case | None]:
        # Only the columns and collections some field of the operation can serve
        # (`cases_for`): every use of the loader in the request serves that operation.
        query = _by_ids(_operation_columns(context))
        children = operation_needs(context, FIELD_CHILDREN)
        # A connection without an ORM session, as list pages read (`Database.reading`).
        async with context.instance.db.reading() as connection:
            rows = await read_cases(connection, query, children, {"ids": sorted(set(ids))})
        by_id = {case.id: case for case in rows}
        return [by_id.get(i) for i in ids]  # type: ignore[misc]  # reads like a Case

    return DataLoader(load_fn=load)


@functools.lru_cache(maxsize=64)
def _by_ids(columns: tuple[str, ...] | None) -> Select[Any]:
    """`SELECT <columns> ... WHERE id IN (:ids)`, built once per column set: building and keying
    a statement costs more than running it for a few ids."""
    return page_query(columns).where(CASE_TABLE.c.id.in_(bindparam("ids", expanding=True)))


def _operation_columns(context: Context) -> tuple[str, ...] | None:
    """The columns the Seizure fields named in the operation are served from (names of other
    types' fields are left out); None: every column (or the operation was not seen)."""
    names = operation_names(context)
    if names is None:
        return None
    fields = graphql_core_schema(context.instance.schema).type_map["Seizure"].fields  # type: ignore[union-attr]
    return PAGE.columns_for((name for name in names if name in fields), ACCESS_COLUMNS)


def cases(context: Context) -> DataLoader[int, Case | None]:
    return context.loader("seizures.case", case_loader)


def cases_for(info: Any) -> DataLoader[int, Case | None]:
    """The request's loader of cases, reading only the child collections that the fields of
    the request's operation can serve."""
    operation_fields(info)
    return cases(info.context)
