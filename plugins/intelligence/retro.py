"""Screening the records already there when entries are added to a watch list.

Screening on new data sees records as they change; an entry added today must also find the
seizure recorded last year. Adding entries writes outbox rows (`ENTRIES_ADDED`, at most
`CHUNK` entries each) in the entries' transaction, so the request returns at once, however
big the list, and the work survives a crash. The module's outbox handler then looks each live
entry up the other way round:

- names and identifiers through the records' stored blocking keys (`intelligence_match_key`,
  kept by screening and rebuilt by `ncen xref`): one indexed query per entry, the records
  sharing most keys first;
- free terms through the search index, as a phrase;

at most `existing_records_max` records per entry, read as the system, scored like any screening,
and recorded as alerts (action `entry_added`) under the same rules: only for owners who may see
the type, a pair judged `no_match` stays quiet, announced once the owner may see the record —
but the owner's notice is one per list and job ("12 records already there match..."), not one
per alert, so that a list of thousands of entries does not flood a mailbox.
A redelivered row finds its alerts there already and adds nothing.

Records that existed before the module was enabled have no stored keys until `ncen xref` has
run over their module; terms find what the search index holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.matching import compare
from core.outbox import OutboxEvent, OutboxHandler, enqueue
from core.record_ids import record_ids
from core.records.registry import record_registry
from plugins.intelligence import access, entries, keys, settings
from plugins.intelligence.models import Alert, WatchList, WatchListEntry
from plugins.intelligence.screening import (
    Hit,
    entry_info,
    hit_for,
    read_for_matching,
    record_hits,
)

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance
    from core.matching import Profile

log = logging.getLogger("ncen.intelligence")

ENTRIES_ADDED = "intelligence.entries_added"
HANDLER = "intelligence.existing_records"
ACTION = "entry_added"
CHUNK = 100  # entries per outbox row: one row's work stays short
_NOT_A_WORD = re.compile(r"[^\w\s]+")


def schedule(session: AsyncSession, entry_ids: Sequence[int]) -> None:
    """Queue the screening of existing records for these new entries (caller's transaction)."""
    for start in range(0, len(entry_ids), CHUNK):
        enqueue(session, ENTRIES_ADDED, {"entry_ids": list(entry_ids[start : start + CHUNK])})


def handlers(instance: Instance) -> list[OutboxHandler]:
    async def handle(events: Sequence[OutboxEvent]) -> None:
        for event in events:
            await screen_existing(instance, [int(i) for i in event.payload.get("entry_ids", [])])

    return [OutboxHandler((ENTRIES_ADDED,), handle, name=HANDLER)]


async def screen_existing(instance: Instance, entry_ids: Sequence[int]) -> int:
    """Alerts for the existing records matching these entries; returns how many were raised."""
    if not entry_ids:
        return 0
    registry = record_registry(instance)
    weights = settings.weights(instance)
    limit = settings.existing_records_max(instance)
    system = access.system_principal(instance)
    today = dt.date.today()
    owners: dict[int, Any] = {}
    hits: list[Hit] = []
    async with instance.db.session() as session:
        rows = await session.execute(
            select(WatchListEntry, WatchList.owner_id, WatchList.valid_from, WatchList.valid_until)
            .join(WatchList, WatchList.id == WatchListEntry.list_id)
            .where(WatchListEntry.id.in_(list(entry_ids)), WatchListEntry.removed_at.is_(None))
        )
        for entry, owner_id, list_from, list_until in rows:
            info = entry_info(entry, owner_id, list_from, list_until)
            if not info.active(today):
                continue
            profile = entries.profile_of(entry)
            found = await _candidates(instance, session, system, profile, entry.data, limit)
            for entity_type, ids in found.items():
                rt = registry.get(entity_type)
                if rt is None:
                    continue
                for row in await read_for_matching(session, rt, record_ids(ids), system):
                    record = rt.match_profile(row)
                    if record is None or record.entity_type != entity_type:
                        continue
                    result = compare(profile, record, weights)
                    if not result.is_match:
                        continue
                    hit = await hit_for(
                        session,
                        owners,
                        info,
                        rt,
                        row,
                        record,
                        result,
                        getattr(row, "version", None),
                        ACTION,
                    )
                    if hit is not None:
                        hits.append(hit)
        hits = await _new(session, hits)
    return await record_hits(instance, [], hits, summarise=True)


async def _candidates(
    instance: Instance,
    session: AsyncSession,
    system: Principal,
    profile: Profile,
    data: dict[str, Any],
    limit: int,
) -> dict[str, list[str]]:
    """Entity type -> ids of the records worth scoring against one entry."""
    found: dict[str, list[str]] = {}
    for entity_type, entity_id, _weight in await keys.candidates(session, profile, limit):
        found.setdefault(entity_type, []).append(entity_id)
    for term in data.get("terms", []):
        phrase = " ".join(_NOT_A_WORD.sub(" ", term).split())
        if not phrase:
            continue
        try:
            result = await instance.search.search(
                system, f'"{phrase}"', limit=limit, snippets=False, facets=False
            )
        except Exception as exc:  # refused or failing: new data is still screened for it
            log.warning("existing records for a term could not be searched: %r", exc)
            continue
        for hit in result.hits:
            found.setdefault(hit.entity_type, []).append(hit.id)
    return found


async def _new(session: AsyncSession, hits: list[Hit]) -> list[Hit]:
    """The hits with no alert yet (a redelivered row, or screening of new data got there
    first): this job raises alerts, it does not refresh them."""
    if not hits:
        return []
    pairs = {(h.entry.entry_id, h.entity_type, h.entity_id) for h in hits}
    existing: set[tuple[int, str, str]] = set()
    wanted = sorted(pairs)
    for start in range(0, len(wanted), 300):
        rows = await session.execute(
            select(Alert.entry_id, Alert.entity_type, Alert.entity_id).where(
                tuple_(Alert.entry_id, Alert.entity_type, Alert.entity_id).in_(
                    wanted[start : start + 300]
                )
            )
        )
        existing |= {tuple(r) for r in rows}  # type: ignore[misc]
    kept: dict[tuple[int, str, str], Hit] = {}
    for hit in hits:
        key = (hit.entry.entry_id, hit.entity_type, hit.entity_id)
        if key not in existing:
            kept.setdefault(key, hit)
    return list(kept.values())
