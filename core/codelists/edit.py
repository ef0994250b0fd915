"""Entries and translations added by administrators (GraphQL `upsertCodeListEntry` and
`ncen codelists import`). They carry `source = "national"` when new; sync leaves them alone.

An edit only changes what it names: labels are merged per language, and `parent`, `sort`,
validity dates and attributes change only when given. Changing a shipped entry's non-label
fields lasts until the next sync; translations in other languages last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.codelists.models import NATIONAL, CodeList, CodeListEntry
from core.codelists.sources import EntryData, ListData
from core.codelists.validation import forget
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError

_FIELDS = {
    "parent": "parent_code",
    "sort": "sort_order",
    "validFrom": "valid_from",
    "validTo": "valid_to",
    "attributes": "attributes",
}


@dataclass
class ImportReport:
    lists_created: int = 0
    added: int = 0
    updated: int = 0


async def get_list(session: AsyncSession, name: str) -> CodeList:
    code_list = await session.scalar(sa.select(CodeList).where(CodeList.name == name))
    if code_list is None:
        raise NotFoundError(f"there is no code list {name!r}", field="list")
    return code_list


async def upsert_entry(
    session: AsyncSession, code_list: CodeList, entry: EntryData
) -> tuple[CodeListEntry, bool]:
    """Insert or update one entry; returns it and whether it was created."""
    given = entry.given or frozenset(_FIELDS)
    if entry.valid_from and entry.valid_to and entry.valid_to < entry.valid_from:
        raise InputError("validTo is before validFrom", field="validTo")
    if "parent" in given and entry.parent is not None:
        parent = await session.scalar(
            sa.select(CodeListEntry.id).where(
                CodeListEntry.list_id == code_list.id, CodeListEntry.code == entry.parent
            )
        )
        if parent is None or entry.parent == entry.code:
            raise InputError(
                f"{entry.parent!r} is not another code of the list {code_list.name!r}",
                code="UNKNOWN_CODE",
                field="parent",
                list=code_list.name,
            )
    row = await session.scalar(
        sa.select(CodeListEntry).where(
            CodeListEntry.list_id == code_list.id, CodeListEntry.code == entry.code
        )
    )
    created = row is None
    if row is None:
        if not entry.labels:
            raise InputError("a new entry needs at least one label", field="labels")
        row = CodeListEntry(list_id=code_list.id, code=entry.code, labels={}, source=NATIONAL)
        row.sort_order, row.attributes = 0, {}
        session.add(row)
    row.labels = {**row.labels, **entry.labels}
    for key, column in _FIELDS.items():
        if key in given:
            value = {
                "parent": entry.parent,
                "sort": entry.sort,
                "validFrom": entry.valid_from,
                "validTo": entry.valid_to,
                "attributes": dict(entry.attributes),
            }[key]
            setattr(row, column, value)
    row.updated_at = utcnow()
    await session.flush()
    forget(session)
    return row, created


def _parents_first(entries: Sequence[EntryData]) -> list[EntryData]:
    """So that an entry may name a parent defined further down the file."""
    parents = {e.code: e.parent for e in entries}

    def depth(code: str) -> int:
        seen: set[str] = set()
        while parents.get(code) in parents and code not in seen:
            seen.add(code)
            code = parents[code]  # type: ignore[assignment]  # `parents.get(code) in parents` was checked on the line above
        return len(seen)

    return sorted(entries, key=lambda e: depth(e.code))


async def import_lists(session: AsyncSession, lists: list[ListData]) -> ImportReport:
    """Apply lists read from an import file; a list that does not exist yet is created."""
    report = ImportReport()
    for data in lists:
        code_list = await session.scalar(sa.select(CodeList).where(CodeList.name == data.name))
        if code_list is None:
            code_list = CodeList(name=data.name, labels=dict(data.labels), source=NATIONAL)
            session.add(code_list)
            await session.flush()
            report.lists_created += 1
        elif data.labels:
            code_list.labels = {**code_list.labels, **data.labels}
        for entry in _parents_first(data.entries):
            _, created = await upsert_entry(session, code_list, entry)
            if created:
                report.added += 1
            else:
                report.updated += 1
    return report
