"""Screening of new data: every created, updated, submitted or validated record is compared
with the active watch-list entries, and a match becomes an alert (or refreshes the one already
raised for that entry and record).

Record events arrive in batches (`on_records_changed`): the records of one entity type are read
in one query, as the system (drafts too), turned into profiles by their record type
(`match_profile`), and looked up in an in-memory index of the watch entries
(`core.matching.CandidateIndex`), rebuilt when the watch lists' revision counter moves. Only the
few candidates sharing keys with a record are scored. An alert is written only when the list's
owner may see records of its type (a draft's alert shows once the owner may see the draft, as
every reader's alerts are filtered by the record's rules); a pair judged `no_match` stays quiet. A deleted or erased record takes
its alerts with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.db import rowcount, utcnow
from core.long_lived import freeze_long_lived, paused
from core.matching import CandidateIndex, MatchResult, Profile, compare
from core.matching.rows import plain_rows
from core.outbox import enqueue
from core.record_ids import record_ids
from core.records.declaration import RecordType
from core.records.registry import record_registry
from plugins.intelligence import access, entries, keys, settings
from plugins.intelligence.models import (
    NO_MATCH,
    OPEN,
    Alert,
    Revision,
    WatchList,
    WatchListEntry,
)
from plugins.intelligence.notify import notify_owner, notify_owner_of_existing

if TYPE_CHECKING:
    from core.events import RecordEvent
    from core.instance import Instance

log = logging.getLogger("ncen.intelligence")

SCREENED = ("created", "updated", "submitted", "validated")
ALERT_TOPIC = "intelligence.alert_raised"
GONE = ("deleted", "erased")
WATCH = "watch"
_STATE_KEY = "intelligence.watch_index"
OBJECTS_PER_ENTRY = 8  # tracked objects of an indexed entry: profile, names, identifiers...


@dataclass(frozen=True)
class EntryInfo:
    entry_id: int
    list_id: int
    owner_id: int
    valid_from: dt.date | None
    valid_until: dt.date | None

    def active(self, today: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_until is None or today <= self.valid_until
        )


@dataclass
class WatchIndex:
    revision: int
    index: CandidateIndex
    entries: dict[str, EntryInfo]
    # Entry id -> profile. An entry's values never change (it is removed, not edited), so a
    # rebuild reuses the profiles of the entries it already had and makes only the new ones'.
    profiles: dict[int, Profile] = field(default_factory=dict)


@dataclass
class Hit:
    entry: EntryInfo
    module: str
    entity_type: str
    entity_id: str
    view_permission: str
    version: int | None
    action: str
    result: MatchResult
    owner_sees: bool  # the owner may see this very record now (not only its type)
    noun: str = "record"


async def bump_revision(session: AsyncSession, name: str = WATCH) -> None:
    """Tell every process its watch index is stale (in the transaction of the change)."""
    await session.execute(
        update(Revision).where(Revision.name == name).values(value=Revision.value + 1)
    )


async def _revision(session: AsyncSession, name: str = WATCH) -> int:
    return int(await session.scalar(select(Revision.value).where(Revision.name == name)) or 0)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return max(a, b) if a and b else a or b


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(a, b) if a and b else a or b


def entry_info(
    entry: WatchListEntry | Any,
    owner_id: int,
    list_from: dt.date | None,
    list_until: dt.date | None,
) -> EntryInfo:
    """An entry as screening needs it: its list, the owner, and the validity of both."""
    return EntryInfo(
        entry.id,
        entry.list_id,
        owner_id,
        _later(entry.valid_from, list_from),
        _earlier(entry.valid_until, list_until),
    )


async def watch_index(instance: Instance) -> WatchIndex:
    """The index of live entries, rebuilt only when the revision has moved."""
    async with instance.db.session() as session:
        revision = await _revision(session)
        cached: WatchIndex | None = instance.state.get(_STATE_KEY)
        if cached is not None and cached.revision == revision:
            return cached
        # Columns, not ORM instances: tens of thousands of entries load several times faster.
        rows = (
            await session.execute(
                select(
                    WatchListEntry.id,
                    WatchListEntry.list_id,
                    WatchListEntry.kind,
                    WatchListEntry.data,
                    WatchListEntry.valid_from,
                    WatchListEntry.valid_until,
                    WatchList.owner_id,
                    WatchList.valid_from.label("list_from"),
                    WatchList.valid_until.label("list_until"),
                )
                .join(WatchList, WatchList.id == WatchListEntry.list_id)
                .where(WatchListEntry.removed_at.is_(None))
            )
        ).all()
    index = CandidateIndex()
    infos: dict[str, EntryInfo] = {}
    known = cached.profiles if cached is not None else {}
    profiles: dict[int, Profile] = {}
    with paused():  # synchronous: tens of thousands of objects, no full collection
        for row in rows:
            profile = known.get(row.id) or entries.profile_of(row)
            profiles[row.id] = profile
            index.add(profile)
            infos[profile.id] = entry_info(row, row.owner_id, row.list_from, row.list_until)
    del rows, known
    built = WatchIndex(revision, index, infos, profiles)
    instance.state[_STATE_KEY] = built
    if cached is not None:
        del cached  # the old index goes before the long-lived objects are frozen
    freeze_long_lived(len(index) * OBJECTS_PER_ENTRY)  # kept out of every full collection
    return built


async def screen(instance: Instance, events: Sequence[RecordEvent]) -> int:
    """Screen the records these events name and refresh their blocking keys; returns the
    number of alerts raised or refreshed."""
    gone = {(e.entity_type, e.entity_id) for e in events if e.action in GONE}
    if gone:
        await forget(instance, gone)
    latest: dict[tuple[str, str], RecordEvent] = {}
    for event in events:
        key = (event.entity_type, event.entity_id)
        if event.action in SCREENED and key not in gone:
            latest[key] = event
    if not latest:
        return 0
    watch = await watch_index(instance)
    profiles, hits = await _find_hits(instance, watch, latest)
    return await record_hits(instance, profiles, hits)


async def _find_hits(
    instance: Instance, watch: WatchIndex, latest: dict[tuple[str, str], RecordEvent]
) -> tuple[list[Profile], list[Hit]]:
    registry = record_registry(instance)
    weights = settings.weights(instance)
    limit = settings.max_candidates(instance)
    system = access.system_principal(instance)
    today = dt.date.today()
    by_type: dict[str, list[str]] = {}
    for entity_type, entity_id in latest:
        by_type.setdefault(entity_type, []).append(entity_id)
    profiles: list[Profile] = []
    hits: list[Hit] = []
    owners: dict[int, Any] = {}
    async with instance.db.session() as session:
        for entity_type, ids in by_type.items():
            rt = registry.get(entity_type)
            if rt is None:
                continue
            for row in await read_for_matching(session, rt, record_ids(ids), system):
                profile = rt.match_profile(row)
                if profile is None:
                    continue
                profiles.append(profile)
                if profile.empty or not len(watch.index):
                    continue
                for candidate in watch.index.candidates(profile, limit=limit):
                    info = watch.entries[candidate.id]
                    if not info.active(today):
                        continue
                    result = compare(candidate, profile, weights)
                    if not result.is_match:
                        continue
                    event = latest[(profile.entity_type, profile.id)]
                    hit = await hit_for(
                        session, owners, info, rt, row, profile, result, event.version, event.action
                    )
                    if hit is not None:
                        hits.append(hit)
    return profiles, hits


async def hit_for(
    session: AsyncSession,
    owners: dict[int, Any],
    info: EntryInfo,
    rt: RecordType[Any, Any],
    row: Any,
    profile: Profile,
    result: MatchResult,
    version: int | None,
    action: str,
) -> Hit | None:
    """The hit of a matching entry and record, or None when the list's owner may not see
    records of this type (`owners` caches the owners' principals for a batch)."""
    if info.owner_id not in owners:
        owners[info.owner_id] = await access.principal_of_user(session, info.owner_id)
    owner = owners[info.owner_id]
    if owner is None or not owner.can(rt.view_permission):
        return None  # never an alert about a type of record the owner may not see
    return Hit(
        info,
        rt.module,
        profile.entity_type,
        profile.id,
        rt.view_permission,
        version,
        action,
        result,
        rt.can_see(owner, row),
        rt.noun,
    )


async def read_for_matching(
    session: AsyncSession, rt: RecordType[Any, Any], ids: list[int], principal: Any
) -> list[Any]:
    """The records `principal` may see, with the child lists their profiles need
    (`match_children`), as plain objects: `core.records.lifecycle.read_many`, lighter."""
    if not ids or not principal.can(rt.view_permission):
        return []
    rows = await plain_rows(session, rt.model, sorted(set(ids)), rt.match_children)
    return [row for row in rows if rt.can_see(principal, row)]


async def record_hits(
    instance: Instance, profiles: list[Profile], hits: list[Hit], *, summarise: bool = False
) -> int:
    """Replace the records' blocking keys; upsert one alert per (entry, record), leaving a
    pair judged `no_match` alone. With `summarise` (existing records screened against new
    entries: possibly thousands of alerts at once) the owner gets one notice per list for the
    lot instead of one per alert; the topic still carries each."""
    now = utcnow()
    written = 0
    announced: dict[tuple[int, int], int] = {}  # (owner, list) -> alerts announced
    async with instance.db.transaction() as session:
        await keys.replace(session, profiles)
        if not hits:
            return 0
        existing = {
            (a.entry_id, a.entity_type, a.entity_id): a
            for a in await session.scalars(
                select(Alert).where(
                    Alert.entry_id.in_({h.entry.entry_id for h in hits}),
                    Alert.entity_id.in_({h.entity_id for h in hits}),
                )
            )
        }
        for hit in hits:
            features = [f.to_json() for f in hit.result.features]
            alert = existing.get((hit.entry.entry_id, hit.entity_type, hit.entity_id))
            if alert is not None:
                if alert.status == NO_MATCH:
                    continue  # judged a false match: the same pair stays quiet
                alert.score = hit.result.score
                alert.features = features
                alert.matched_fields = list(hit.result.matched_fields)
                alert.record_version = hit.version
                alert.action = hit.action
                alert.hits = alert.hits + 1
                alert.updated_at = now
            else:
                alert = Alert(
                    list_id=hit.entry.list_id,
                    entry_id=hit.entry.entry_id,
                    module=hit.module,
                    entity_type=hit.entity_type,
                    entity_id=hit.entity_id,
                    view_permission=hit.view_permission,
                    score=hit.result.score,
                    features=features,
                    matched_fields=list(hit.result.matched_fields),
                    status=OPEN,
                    record_version=hit.version,
                    action=hit.action,
                    hits=1,
                    created_at=now,
                    updated_at=now,
                )
                session.add(alert)
                existing[(hit.entry.entry_id, hit.entity_type, hit.entity_id)] = alert
            if hit.owner_sees and alert.announced_at is None:
                await session.flush()
                # Claimed by a conditional update: two batches screening the same record at
                # once (its update and its submission) announce it once between them.
                claimed = await session.execute(
                    update(Alert)
                    .where(Alert.id == alert.id, Alert.announced_at.is_(None))
                    .values(announced_at=now)
                    .execution_options(synchronize_session=False)
                )
                if rowcount(claimed) == 1:
                    if summarise:
                        pair = (hit.entry.owner_id, alert.list_id)
                        announced[pair] = announced.get(pair, 0) + 1
                    else:
                        await notify_owner(session, alert, hit.entry.owner_id, hit.noun)
                    _announce(session, alert, hit.entry.owner_id)
                set_committed_value(alert, "announced_at", now)
            written += 1
        for (owner_id, list_id), count in announced.items():
            await notify_owner_of_existing(session, owner_id, list_id, count)
    return written


def _announce(session: AsyncSession, alert: Alert, owner_id: int) -> None:
    """Tell whoever subscribes to the topic that the owner has a new alert, in the alert's
    transaction (the owner's notice is posted beside it). Names and ids only: a subscriber
    reads the alert (and the record) as the owner, so visibility rules apply."""
    enqueue(
        session,
        ALERT_TOPIC,
        {
            "alert_id": alert.id,
            "owner_id": owner_id,
            "list_id": alert.list_id,
            "module": alert.module,
            "entity_type": alert.entity_type,
            "entity_id": alert.entity_id,
            "score": alert.score,
        },
        if_unhandled="drop",
    )


async def forget(instance: Instance, records: set[tuple[str, str]]) -> None:
    """A deleted or erased record takes its alerts, keys and matches (and what they quote of
    it) with it."""
    async with instance.db.transaction() as session:
        for entity_type, entity_id in records:
            await session.execute(
                delete(Alert).where(Alert.entity_type == entity_type, Alert.entity_id == entity_id)
            )
            await keys.forget(session, entity_type, entity_id)
