"""Saved searches with "alert me on new data" (Aleph's alerts): a search kept by its owner is
run again periodically *as its owner* (so permissions and drafts' audiences apply), and each
record among its hits that an earlier run had not found is an alert on new data.

The first run only takes note of what the search finds (the baseline: no alert for what was
already there). A run looks at the first `saved_search_max_hits` hits, best first. Runs happen
every `saved_search_interval_seconds` in a serving instance, and on demand
(`ncen intelligence run-searches`, or `runSavedSearches` in tests). Two processes running the
same search at once add each new record once (a unique key per search and record).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit.writer import record as audit
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError
from core.records.registry import record_registry
from core.search.backend import QuerySyntaxError
from core.search.syntax import check_syntax
from core.workflow import user_id
from plugins.intelligence import access, settings
from plugins.intelligence.models import SavedSearch, SearchHit

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

log = logging.getLogger("ncen.intelligence")
TASK_KEY = "intelligence.saved_searches"
MAX_QUERY = 1000


async def save(
    instance: Instance,
    principal: Principal,
    name: str,
    query: str,
    modules: Sequence[str],
    entity_types: Sequence[str],
    alert: bool,
) -> SavedSearch:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InputError("a name of 1 to 200 characters", field="input.name")
    if not query.strip() or len(query) > MAX_QUERY:
        raise InputError(f"a query of 1 to {MAX_QUERY} characters", field="input.query")
    try:
        check_syntax(query)
    except QuerySyntaxError as exc:
        raise InputError(str(exc), code=exc.code, field="input.query") from None
    unknown = sorted(set(modules) - set(instance.module_names))
    if unknown:
        raise InputError(f"modules not enabled: {unknown}", field="input.modules")
    types = set(record_registry(instance).by_entity_type)
    if set(entity_types) - types:
        raise InputError(
            f"unknown entity types: {sorted(set(entity_types) - types)}", field="input.entityTypes"
        )
    uid = user_id(principal)
    if uid is None:
        raise InputError("saved searches belong to user accounts", field="input")
    async with instance.db.transaction() as session:
        row = SavedSearch(
            owner_id=uid,
            name=name,
            query=query,
            modules=list(modules),
            entity_types=list(entity_types),
            alert=alert,
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        await audit(
            session,
            actor=principal,
            action="intelligence.saved_search.create",
            entity_type="SavedSearch",
            entity_id=row.id,
            detail={"alert": alert},
        )
    if alert:
        await run_one(instance, row.id)  # the baseline: what it finds today raises nothing
        async with instance.db.session() as session:
            return await session.get(SavedSearch, row.id) or row
    return row


async def delete(instance: Instance, principal: Principal, search_id: int | None) -> None:
    async with instance.db.transaction() as session:
        row = await session.get(SavedSearch, search_id) if search_id else None
        if row is None or row.owner_id != user_id(principal):
            raise NotFoundError("no such saved search", field="id")
        await session.delete(row)
        await audit(
            session,
            actor=principal,
            action="intelligence.saved_search.delete",
            entity_type="SavedSearch",
            entity_id=search_id,
        )


async def run_one(instance: Instance, search_id: int) -> int:
    """Run one saved search as its owner; returns how many records are new alerts."""
    async with instance.db.session() as session:
        row = await session.get(SavedSearch, search_id)
        if row is None:
            return 0
        owner = await access.principal_of_user(session, row.owner_id)
        seen = {
            (t, i)
            for t, i in await session.execute(
                select(SearchHit.entity_type, SearchHit.entity_id).where(
                    SearchHit.search_id == search_id
                )
            )
        }
        first_run = row.last_run_at is None
    if owner is None:
        return 0  # a deactivated owner's searches rest
    try:
        result = await instance.search.search(
            owner,
            row.query,
            modules=row.modules or None,
            entity_types=row.entity_types or None,
            limit=settings.saved_search_max_hits(instance),
        )
    except QuerySyntaxError as exc:
        log.warning("saved search %s: %s", search_id, exc)
        return 0
    now = utcnow()
    new = [
        SearchHit(
            search_id=search_id,
            module=hit.module,
            entity_type=hit.entity_type,
            entity_id=hit.id,
            score=hit.score,
            baseline=first_run,
            found_at=now,
        )
        for hit in result.hits
        if (hit.entity_type, hit.id) not in seen
    ]
    try:
        async with instance.db.transaction() as session:
            session.add_all(new)
            stored = await session.get(SavedSearch, search_id)
            if stored is not None:
                stored.last_run_at = now
    except IntegrityError:
        return 0  # another process ran it at the same moment: its run counts
    return 0 if first_run else len(new)


async def run_all(instance: Instance) -> int:
    """Run every saved search that alerts; returns the number of new alerts."""
    async with instance.db.session() as session:
        ids = list(await session.scalars(select(SavedSearch.id).where(SavedSearch.alert)))
    total = 0
    for search_id in ids:
        try:
            total += await run_one(instance, search_id)
        except Exception:
            log.exception("saved search %s failed", search_id)
    return total


async def _loop(instance: Instance, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_all(instance)
        except Exception:
            log.exception("saved searches failed")


def start(instance: Instance) -> None:
    interval = settings.saved_search_interval(instance)
    if interval > 0:
        instance.state[TASK_KEY] = asyncio.create_task(_loop(instance, interval))


async def stop(instance: Instance) -> None:
    task = instance.state.pop(TASK_KEY, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
