"""`ncen codelists sync`: make the database hold what the enabled plugins ship, idempotently.

Per list: shipped entries are inserted or updated (labels are merged, so translations added by
administrators for other languages survive); entries shipped before but not any more are deleted
when no record uses them and end-dated when one does (`valid_to`, the last valid day, becomes the
day before the sync, so new records can no longer use them). While any installed
module that has tables in the database is disabled, its records cannot be checked, so removed
entries are only end-dated then.
Entries added by administrators (`source = "national"`) are never changed or removed by sync.

Versions: a list whose data carries a `version` records it; from then on sync replaces it only
with data of a version at least as new, so a data-only update (`apply_list_data`, used by the
update manager) is not undone by the next sync of an older or unversioned data file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.codelists.models import NATIONAL, CodeList, CodeListEntry
from core.codelists.registry import code_list_registry
from core.codelists.sources import CodeListUsage, EntryData, ListData
from core.db import JSONType, utcnow

if TYPE_CHECKING:
    from core.instance import Instance


@dataclass
class ListReport:
    added: int = 0
    updated: int = 0
    end_dated: int = 0
    removed: int = 0
    # Set when the database holds a newer version of the list than the data at hand: untouched.
    kept_version: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.end_dated or self.removed)


@dataclass
class SyncReport:
    lists: dict[str, ListReport] = field(default_factory=dict)
    # Extensions of lists whose owner is not enabled: "<plugin> extends <list>".
    skipped: list[str] = field(default_factory=list)


def sync_languages(instance: Instance) -> tuple[str, ...]:
    """English always (the fallback), then the instance's configured languages."""
    return tuple(dict.fromkeys(("en", *instance.config.languages)))


def _merge_shipped(
    instance: Instance, name: str, data: ListData
) -> tuple[dict, dict[str, tuple[str, EntryData]]]:
    registry = code_list_registry(instance)
    languages = sync_languages(instance)
    owner, _source = registry.owners[name]
    labels = dict(data.labels)
    entries = {e.code: (owner, e) for e in data.entries}
    for plugin, extension in registry.extensions.get(name, []):
        extra = extension.load(languages)
        labels = {**extra.labels, **labels}
        for entry in extra.entries:
            if entry.code in entries:  # an extension may add translations to shipped entries
                by, base = entries[entry.code]
                merged = EntryData(**{**base.__dict__, "labels": {**base.labels, **entry.labels}})
                entries[entry.code] = (by, merged)
            else:
                entries[entry.code] = (plugin, entry)
    return labels, entries


async def codes_in_use(
    session: AsyncSession, usages: Iterable[CodeListUsage], codes: Iterable[str]
) -> set[str]:
    """The subset of `codes` that some declared column holds."""
    candidates = list(codes)
    found: set[str] = set()
    if not candidates:
        return found
    for usage in usages:
        if usage.json_key is None:
            column: sa.ColumnElement = sa.column(usage.column)
        else:
            column = sa.column(usage.column, JSONType)[usage.json_key].as_string()
        query = sa.select(column).select_from(sa.table(usage.table)).where(column.in_(candidates))
        found.update(await session.scalars(query.distinct()))
    return found


def _apply(row: CodeListEntry, plugin: str, entry: EntryData) -> bool:
    wanted = {
        "labels": {**row.labels, **entry.labels},
        "parent_code": entry.parent,
        "sort_order": entry.sort,
        "valid_from": entry.valid_from,
        "valid_to": entry.valid_to,
        "attributes": dict(entry.attributes),
        "source": plugin,
    }
    changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        row.updated_at = utcnow()
    return bool(changed)


def _older(version: str | None, stored: str | None) -> bool:
    """Whether data of `version` is older than the `stored` one (unversioned data is older
    than any version)."""
    if stored is None:
        return False
    if version is None:
        return True
    from packaging.version import Version

    return Version(version) < Version(stored)


async def _sync_list(
    session: AsyncSession,
    instance: Instance,
    name: str,
    today: dt.date,
    conservative: bool,
    data: ListData | None = None,
) -> ListReport:
    report = ListReport()
    owner, source = code_list_registry(instance).owners[name]
    data = data or source.load(sync_languages(instance))
    code_list = await session.scalar(sa.select(CodeList).where(CodeList.name == name))
    if code_list is not None and _older(data.version, code_list.version):
        report.kept_version = code_list.version
        return report
    labels, shipped = _merge_shipped(instance, name, data)
    if code_list is None:
        code_list = CodeList(name=name, labels=labels, source=owner, version=data.version)
        session.add(code_list)
        await session.flush()
    elif (
        code_list.labels != {**code_list.labels, **labels}
        or code_list.source != owner
        or code_list.version != data.version
    ):
        code_list.labels = {**code_list.labels, **labels}
        code_list.source = owner
        code_list.version = data.version
        code_list.updated_at = utcnow()
    rows = {
        row.code: row
        for row in await session.scalars(
            sa.select(CodeListEntry).where(CodeListEntry.list_id == code_list.id)
        )
    }
    for code, (plugin, entry) in shipped.items():
        row = rows.get(code)
        if row is None:
            session.add(
                CodeListEntry(
                    list_id=code_list.id,
                    code=code,
                    labels=dict(entry.labels),
                    parent_code=entry.parent,
                    sort_order=entry.sort,
                    valid_from=entry.valid_from,
                    valid_to=entry.valid_to,
                    attributes=dict(entry.attributes),
                    source=plugin,
                )
            )
            report.added += 1
        elif _apply(row, plugin, entry):
            report.updated += 1
    gone = [row for code, row in rows.items() if code not in shipped and row.source != NATIONAL]
    usages = code_list_registry(instance).usages.get(name, [])
    used = await codes_in_use(session, usages, (row.code for row in gone))
    last_day = today - dt.timedelta(days=1)
    for row in gone:
        if conservative or row.code in used:
            if row.valid_to is None or row.valid_to > last_day:
                row.valid_to = last_day
                row.updated_at = utcnow()
                report.end_dated += 1
        else:
            await session.delete(row)
            report.removed += 1
    return report


async def _conservative(instance: Instance) -> bool:
    """Whether some installed module with tables in the database is disabled: its records
    cannot be checked for codes in use, so removed entries are only end-dated."""
    status = await instance.migrator.status()
    return any(not row["enabled"] and row["current"] for row in status.values())


async def apply_list_data(
    session: AsyncSession,
    instance: Instance,
    lists: Sequence[ListData],
    *,
    today: dt.date | None = None,
) -> dict[str, ListReport]:
    """Apply data for lists owned by core or an enabled plugin, in the caller's transaction,
    exactly as sync applies shipped data (a data-only update). A list whose database version is
    newer is left as it is (`kept_version`); a list nobody enabled owns is a `KeyError`."""
    registry = code_list_registry(instance)
    unknown = sorted(data.name for data in lists if data.name not in registry.owners)
    if unknown:
        raise KeyError(f"no enabled plugin ships the code list(s) {unknown}")
    conservative = await _conservative(instance)
    today = today or dt.date.today()
    return {
        data.name: await _sync_list(session, instance, data.name, today, conservative, data)
        for data in lists
    }


async def sync_code_lists(instance: Instance, *, today: dt.date | None = None) -> SyncReport:
    """Apply every enabled plugin's lists in one transaction; running it twice changes nothing."""
    today = today or dt.date.today()
    registry = code_list_registry(instance)
    report = SyncReport()
    for name, extensions in registry.extensions.items():
        if name not in registry.owners:
            report.skipped += [f"{plugin} extends {name}" for plugin, _ in extensions]
    conservative = await _conservative(instance)
    async with instance.db.transaction() as session:
        for name in registry.owners:
            report.lists[name] = await _sync_list(session, instance, name, today, conservative)
    return report
