"""Code lists served from memory: reference data is read on nearly every form and search page,
and changes a few times a year. Each list, its entries, and the entries built for one language
are kept per process until any code list changes — in this process or another (the
`codelists` watch of `core/table_watch.py`: `upsertCodeListEntry`, `ncen codelists import`,
the sync of `ncen db upgrade`) — or the day changes (entries have validity dates). While
changes by other processes could go unseen (PostgreSQL without its listening connection),
every request reads the database, as without the cache.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from core.codelists.models import CodeList, CodeListEntry
from core.table_watch import Watch, watch

if TYPE_CHECKING:
    from core.db import Database

CACHE_KEY = "core.codelists.cache"  # in Database.session_info
TABLES = ("core_codelist", "core_codelist_entry")
MAX_BUILT = 512  # lists x languages x expired-or-not kept built at most
_LIST = sa.select(CodeList).where(CodeList.name == sa.bindparam("name"))
_ENTRIES = sa.select(CodeListEntry).where(
    CodeListEntry.list_id.in_(sa.bindparam("ids", expanding=True))
)


class CodeListCache:
    def __init__(self, changes: Watch) -> None:
        self.changes = changes
        self._generation: int | None = None
        self._day: dt.date | None = None
        self._lists: dict[str, CodeList] = {}
        self._entries: dict[int, list[CodeListEntry]] = {}
        self._built: dict[tuple[Any, ...], Any] = {}

    def _fresh(self) -> bool:
        """Whether the cache may serve now; empties it when code lists or the day changed."""
        generation = self.changes.check()
        if generation is None:
            return False
        today = dt.date.today()
        if generation != self._generation or today != self._day:
            self._lists.clear()
            self._entries.clear()
            self._built.clear()
            self._generation, self._day = generation, today
        return True

    async def code_list(self, db: Database, name: str) -> CodeList | None:
        """The list named `name` (a detached row, read-only), or None."""
        fresh = self._fresh()
        if fresh and name in self._lists:
            return self._lists[name]
        generation = self.changes.generation
        async with db.session() as session:
            row = await session.scalar(_LIST, {"name": name})
        # Unknown names are not kept: a client could send any number of them.
        if fresh and row is not None and generation == self.changes.generation:
            self._lists[name] = row
        return row

    def cached_entries(self, list_id: int) -> list[CodeListEntry] | None:
        """The entries of a list when the cache holds them (no statement, no await), else
        None: then `entries`, batched through the request's loader."""
        if not self._fresh():
            return None
        return self._entries.get(list_id)

    async def entries(self, db: Database, list_ids: Sequence[int]) -> list[list[CodeListEntry]]:
        """The entries of each list (detached rows, read-only), in one statement for those not
        cached."""
        fresh = self._fresh()
        missing = [i for i in list_ids if not fresh or i not in self._entries]
        found: dict[int, list[CodeListEntry]] = defaultdict(list)
        if missing:
            generation = self.changes.generation
            async with db.session() as session:
                for row in await session.scalars(_ENTRIES, {"ids": sorted(set(missing))}):
                    found[row.list_id].append(row)
            if fresh and generation == self.changes.generation:
                for i in missing:
                    self._entries[i] = found[i]
        return [found[i] if i in missing else self._entries[i] for i in list_ids]

    def built(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """`build()` once per `key` while nothing changes (e.g. the entries of a list in one
        language): the value is shared by every request, so it is never changed in place."""
        if not self._fresh():
            return build()
        generation = self.changes.generation
        if key not in self._built:
            value = build()
            if len(self._built) >= MAX_BUILT:  # any 2-3 letter code is a language: stay bounded
                self._built.clear()
            if generation != self.changes.generation:
                return value
            self._built[key] = value
        return self._built[key]


def attach_code_list_cache(db: Database) -> CodeListCache:
    cache = CodeListCache(watch(db, "codelists", TABLES))
    db.session_info[CACHE_KEY] = cache
    return cache


def code_list_cache(db: Database) -> CodeListCache:
    return db.session_info[CACHE_KEY]
