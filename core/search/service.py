"""The search service of one instance: the single writer, rebuilds, start-up check and queries.

It knows the entity types of the enabled modules (through `register_search_types`) and their
permissions; the backend knows only documents. Permission and module filtering happen here, by
narrowing the entity types a backend may return, before the backend runs the query.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.config import SearchSettings
from core.db import Database
from core.errors import NcenError
from core.gql.context import Principal
from core.outbox import OutboxEvent
from core.search.backend import (
    SEARCH_TIMEOUT,
    IndexState,
    IndexStatus,
    IndexWriter,
    SearchBackend,
    SearchLimitError,
    SearchRequest,
    SearchResult,
)
from core.search.documents import SearchDocument, SearchType, doc_id
from core.search.events import DELETE_TOPIC, INDEX_TOPIC
from core.search.limits import check_query
from core.search.syntax import check_syntax

log = logging.getLogger("ncen.search")

REINDEX_BATCH = 1000
SEARCH_BUSY = "SEARCH_BUSY"
# Past its deadline, a backend is given this long to notice before the caller stops waiting.
OVERRUN_GRACE = 0.5


class ReindexProgress(Protocol):
    """What a rebuild reports, e.g. to a progress bar."""

    def start(self, search_type: SearchType, total: int | None) -> None: ...

    def advance(self, search_type: SearchType, count: int) -> None: ...


class _NoProgress:
    def start(self, search_type: SearchType, total: int | None) -> None:
        pass

    def advance(self, search_type: SearchType, count: int) -> None:
        pass


@dataclass(frozen=True)
class TypeCheck:
    search_type: SearchType
    indexed: int
    database: int | None

    @property
    def ok(self) -> bool:
        return self.database is None or self.database == self.indexed


@dataclass(frozen=True)
class CheckReport:
    status: IndexStatus
    types: list[TypeCheck]
    foreign: dict[str, int]  # indexed entity types no enabled module declares

    @property
    def ok(self) -> bool:
        return (
            self.status.state == IndexState.OK
            and not self.foreign
            and all(t.ok for t in self.types)
        )


def validate_types(answers: Sequence[tuple[str, Sequence[SearchType]]]) -> dict[str, SearchType]:
    """Entity type -> declaration; a type declared twice or for another module is an error."""
    table: dict[str, SearchType] = {}
    owners: dict[str, str] = {}
    for plugin, declared in answers:
        for item in declared:
            if not isinstance(item, SearchType):
                raise NcenError(f"{plugin!r}: register_search_types must return SearchType objects")
            expected = "core" if plugin.startswith("core.") else plugin
            if item.module != expected:
                raise NcenError(
                    f"{plugin!r} declares search type {item.entity_type!r} for module "
                    f"{item.module!r}; a module declares only its own types"
                )
            if item.entity_type in table:
                raise NcenError(
                    f"search type {item.entity_type!r} is declared by both "
                    f"{owners[item.entity_type]!r} and {plugin!r}"
                )
            table[item.entity_type], owners[item.entity_type] = item, plugin
    return table


class SearchService:
    def __init__(
        self,
        backend: SearchBackend,
        db: Database,
        types: Mapping[str, SearchType],
        limits: SearchSettings | None = None,
    ):
        self.backend = backend
        self.db = db
        self.types = dict(types)
        self.limits = limits or SearchSettings()
        # Searches run in worker threads: bounding them keeps a burst of searches from taking
        # every thread the process has (database drivers and other work use them too).
        self._running = asyncio.Semaphore(self.limits.max_concurrent)
        self.state = "not started"

    # --- writing (the outbox handler and rebuilds) --------------------------------------------

    async def handle_events(self, events: Sequence[OutboxEvent]) -> None:
        """Apply a batch of outbox rows in one index commit; idempotent, order-insensitive.

        Fetching happens while the writer is held, so two relays (several processes on
        PostgreSQL) can never write an older state over a newer one.
        """
        latest: dict[tuple[str, str], str] = {}
        erase = any(event.payload.get("erase") for event in events)
        for event in events:
            key = (str(event.payload["entity_type"]), str(event.payload["id"]))
            latest.pop(key, None)
            latest[key] = event.topic
        to_fetch: dict[str, list[str]] = defaultdict(list)
        to_delete: list[str] = []
        for (entity_type, record_id), topic in latest.items():
            if topic == INDEX_TOPIC and entity_type in self.types:
                to_fetch[entity_type].append(record_id)
            elif topic == DELETE_TOPIC:
                to_delete.append(doc_id(entity_type, record_id))
        if not to_fetch and not to_delete and not erase:
            return
        try:
            async with self.backend.writer() as writer:
                for entity_type, ids in to_fetch.items():
                    await self._sync(writer, self.types[entity_type], ids)
                if to_delete:
                    await writer.delete(to_delete)
                if erase:
                    writer.purge_on_commit()
        except Exception:
            # An index lost or damaged while serving is rebuilt from the database, which also
            # covers this batch; any other failure is left to the relay's retries.
            status = await self.backend.status()
            if status.state == IndexState.OK:
                raise
            log.warning(
                "search index %s while serving (%s): rebuilding", status.state, status.detail
            )
            self.state = "rebuilding"
            await self.backend.create()
            await self._rebuild(list(self.types.values()), replace_all=True)
            self.state = "ready"

    async def _sync(self, writer: IndexWriter, search_type: SearchType, ids: list[str]) -> None:
        async with self.db.session() as session:
            docs = list(await search_type.fetch(session, ids))
        self._check_docs(search_type, docs)
        found = {doc.id for doc in docs}
        await writer.upsert(docs)
        gone = [doc_id(search_type.entity_type, i) for i in ids if i not in found]
        if gone:
            await writer.delete(gone)

    @staticmethod
    def _check_docs(search_type: SearchType, docs: Sequence[SearchDocument]) -> None:
        for doc in docs:
            if doc.entity_type != search_type.entity_type or doc.module != search_type.module:
                raise NcenError(
                    f"fetch of {search_type.entity_type!r} returned a document of "
                    f"{doc.module}/{doc.entity_type}"
                )

    async def reindex(
        self, modules: Collection[str] | None = None, progress: ReindexProgress | None = None
    ) -> dict[str, int]:
        """Rebuild from the database (all types, or those of `modules`); readers see the old
        index until the one commit at the end. Returns documents written per entity type."""
        if modules is not None:
            unknown = set(modules) - {t.module for t in self.types.values()}
            if unknown:
                raise NcenError(f"no searchable types for module(s) {sorted(unknown)}")
            chosen = [t for t in self.types.values() if t.module in modules]
        else:
            chosen = list(self.types.values())
        return await self._rebuild(chosen, replace_all=modules is None, progress=progress)

    async def _rebuild(
        self,
        chosen: Sequence[SearchType],
        *,
        replace_all: bool,
        progress: ReindexProgress | None = None,
    ) -> dict[str, int]:
        progress = progress or _NoProgress()
        written: dict[str, int] = {}
        status = await self.backend.status()
        if status.state != IndexState.OK:
            await self.backend.create()
        async with self.backend.writer(replace_all=replace_all) as writer:
            if not replace_all:
                await writer.delete_types([t.entity_type for t in chosen])
            for search_type in chosen:
                written[search_type.entity_type] = await self._index_all(
                    writer, search_type, progress
                )
        return written

    async def _index_all(
        self, writer: IndexWriter, search_type: SearchType, progress: ReindexProgress
    ) -> int:
        count = 0
        async with self.db.session() as session:
            total = await search_type.count(session) if search_type.count else None
            progress.start(search_type, total)
            async for ids in search_type.ids(session, REINDEX_BATCH):
                docs = list(await search_type.fetch(session, [str(i) for i in ids]))
                self._check_docs(search_type, docs)
                await writer.upsert(docs)
                count += len(docs)
                progress.advance(search_type, len(ids))
        return count

    # --- start-up ----------------------------------------------------------------------------

    async def ensure_ready(self) -> str:
        """Make the index usable before serving; returns what was done (for the log).

        A missing, unreadable or outdated index is rebuilt from the database. Documents of
        entity types no enabled module declares (a disabled module) are removed, and a declared
        type with no document at all (a module enabled again) is indexed: a disabled module
        leaves no trace in the index, and enabling it again needs no manual step.
        """
        self.state = "checking"
        status = await self.backend.status()
        if status.state != IndexState.OK:
            level = logging.INFO if status.state == IndexState.MISSING else logging.WARNING
            log.log(level, "search index %s (%s): rebuilding", status.state, status.detail)
            self.state = "rebuilding"
            await self.backend.create()
            await self._rebuild(list(self.types.values()), replace_all=True)
            self.state = "ready"
            return f"rebuilt ({status.state})"
        indexed = {entity_type for _module, entity_type in status.counts}
        foreign = indexed - set(self.types)
        missing = await self._with_records(
            [t for t in self.types.values() if t.entity_type not in indexed]
        )
        done = []
        if foreign:
            async with self.backend.writer() as writer:
                await writer.delete_types(sorted(foreign))
            done.append(f"removed {sorted(foreign)}")
        if missing:
            self.state = "rebuilding"
            await self._rebuild(missing, replace_all=False)
            done.append(f"indexed {[t.entity_type for t in missing]}")
        self.state = "ready"
        return "; ".join(done) or "ok"

    async def _with_records(self, types: list[SearchType]) -> list[SearchType]:
        """Of these types without documents, those with records to index: an empty module
        (no record yet) costs one COUNT at start-up, not a writer and a commit."""
        if not types:
            return []
        async with self.db.session() as session:
            return [t for t in types if t.count is None or await t.count(session) > 0]

    async def check(self) -> CheckReport:
        """Index state and, per entity type, documents indexed against records in the database."""
        status = await self.backend.status()
        per_type: dict[str, int] = defaultdict(int)
        for (_module, entity_type), count in status.counts.items():
            per_type[entity_type] += count
        checks = []
        async with self.db.session() as session:
            for search_type in self.types.values():
                database = await search_type.count(session) if search_type.count else None
                checks.append(
                    TypeCheck(search_type, per_type.get(search_type.entity_type, 0), database)
                )
        foreign = {k: v for k, v in per_type.items() if k not in self.types}
        return CheckReport(status, checks, foreign)

    # --- reading -----------------------------------------------------------------------------

    def visible_types(
        self,
        principal: Principal,
        modules: Collection[str] | None = None,
        entity_types: Collection[str] | None = None,
    ) -> dict[str, Sequence[str] | None]:
        """Entity types the caller may see (narrowed to the requested modules and types), each
        with the audience tokens the caller holds, or None when they see all its documents."""
        return {
            t.entity_type: t.audience(principal) if t.audience else None
            for t in self.types.values()
            if principal.can(t.permission)
            and (modules is None or t.module in modules)
            and (entity_types is None or t.entity_type in entity_types)
        }

    async def search(
        self,
        principal: Principal,
        text: str,
        *,
        modules: Collection[str] | None = None,
        entity_types: Collection[str] | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        offset: int = 0,
        limit: int = 20,
        snippets: bool = True,
        facets: bool = True,
    ) -> SearchResult:
        """Hits within the search limits: the query's syntax and shape are checked first, then
        the search waits for a free slot and runs, both within `timeout_seconds`."""
        check_syntax(text)
        limits = self.limits
        check_query(text, limits)
        deadline = time.monotonic() + limits.timeout_seconds
        allowed = self.visible_types(principal, modules, entity_types)
        request = SearchRequest(
            text=text,
            allowed_types=allowed,
            date_from=date_from,
            date_to=date_to,
            filters=dict(filters or {}),
            offset=offset,
            limit=limit,
            deadline=deadline,
            max_expansions=limits.max_expansions,
            snippets=snippets,
            facets=facets,
            exact_total_limit=limits.exact_total_limit,
        )
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                await self._running.acquire()
        except TimeoutError:
            raise SearchLimitError(
                f"{limits.max_concurrent} searches are running; try again in a moment",
                SEARCH_BUSY,
            ) from None
        try:
            # The backend stops itself at the deadline; waiting longer would only mean that it
            # does not check it, and the caller then gets the same answer.
            async with asyncio.timeout(deadline - time.monotonic() + OVERRUN_GRACE):
                return await self.backend.query(request)
        except TimeoutError:
            raise timed_out(limits) from None
        except SearchLimitError as exc:
            if exc.code == SEARCH_TIMEOUT:
                raise timed_out(limits) from None
            raise
        finally:
            self._running.release()


def timed_out(limits: SearchSettings) -> SearchLimitError:
    return SearchLimitError(
        f"the search took longer than {limits.timeout_seconds:g} s and was stopped; "
        "use fewer or more specific terms",
        SEARCH_TIMEOUT,
    )
