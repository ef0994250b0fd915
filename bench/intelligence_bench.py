"""Intelligence: screening throughput against a large watch list, cross-referencing a whole
database, and the latency from a seizure's commit to its alert.

Each figure comes with the machine's load average: on a shared machine the wall-clock rates move
with the other processes, the rates per CPU second much less.

- `screening_engine`: record events handed to the screening subscriber in batches of 500 (the
  outbox relay's batch size), in-process: records per second of wall time and per CPU second
  of the process, against `entries` watch-list entries (persons with dates of birth and
  nationalities, companies, plates, containers, free terms), a few of which match.
- `screening_outbox`: the same events written to the outbox as the records' transactions write
  them, then drained by the relay in-process, so claims, leases and completion count too (the
  first pass's alerts and keys are cleared first: the same work on new data).
- `existing_records`: every entry screened against the records already there, as the jobs
  queued by adding entries do (100 entries a job; keys and the search index for terms).
- `xref`: `ncen xref suspects` over `persons` demo persons (and their conveyances) plus the
  seizures, in-process.
- `alert_latency`: a real `ncen serve`; a watcher's list holds a plate; a client creates seizures
  with that plate and polls `alerts(filter: {record})` until the alert is there: the time from
  the createSeizure acknowledgement (the commit) to the alert being served.
"""

from __future__ import annotations

import asyncio
import os
import random
import string
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    BENCH_PASSWORD,
    Results,
    bench_config,
    gql_body,
    login,
    prepare_instance,
    serve,
    stats,
    target,
)

BATCH = 500
WATCHER = "watcher"
SYLLABLES = ("do", "ra", "vin", "kel", "ma", "ru", "sa", "bor", "te", "li", "nak", "zu", "fe")
COUNTRIES = ("NL", "BE", "DE", "FR", "ES", "MA", "CO", "TR", "NG", "PK", "UA", "BR")


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def watch_entries(rng: random.Random, count: int) -> list[Any]:
    """A mix like a real list: persons, companies, plates and containers, free terms."""
    from core.identifiers import iso6346_check_digit
    from plugins.intelligence.entries import EntryData

    made: list[Any] = []
    for n in range(count):
        kind = n % 10
        if kind < 4:
            data = EntryData(
                "person",
                names=[f"{_name(rng, 2)} {_name(rng, 3)}"],
                birth_date=str(rng.randint(1950, 2000)),
                nationalities=[rng.choice(COUNTRIES)],
            )
        elif kind < 6:
            data = EntryData("company", names=[f"{_name(rng, 3)} Trading Ltd"])
        elif kind < 8:
            plate = (
                "".join(rng.choices(string.ascii_uppercase, k=3)) + f"{rng.randint(0, 9999):04d}"
            )
            data = EntryData("conveyance", identifiers=[("plate", plate)])
        elif kind < 9:
            head = f"ZZZU{rng.randint(0, 999_999):06d}"
            data = EntryData(
                "conveyance", identifiers=[("container", head + str(iso6346_check_digit(head)))]
            )
        else:
            data = EntryData("term", terms=[f"{_name(rng, 3)} {_name(rng, 2)}"])
        made.append((data, None, None, None))
    return made


async def _known(instance: Any, count: int = 25) -> list[Any]:
    """Entries naming demo persons and plates: one in a hundred records or so is a hit."""
    from sqlalchemy import select

    from plugins.intelligence.entries import EntryData
    from plugins.suspects.models import Conveyance, Person

    async with instance.db.session() as session:
        people = (
            await session.execute(
                select(Person.given_names, Person.family_name, Person.birth_year).limit(count)
            )
        ).all()
        plates = (
            await session.scalars(
                select(Conveyance.plate).where(Conveyance.plate.is_not(None)).limit(count)
            )
        ).all()
    known = [
        (
            EntryData("person", names=[f"{g} {f}"], birth_date=str(y) if y else None),
            None,
            None,
            None,
        )
        for g, f, y in people
    ]
    known += [
        (EntryData("conveyance", identifiers=[("plate", p)]), None, None, None) for p in plates
    ]
    return known


async def _prepare(data_dir: Path, seizures: int, persons: int, entries: int) -> dict[str, Any]:
    from sqlalchemy import select

    from core.auth.accounts import create_user
    from core.auth.models import User
    from core.instance import Instance
    from plugins.intelligence import access, service
    from plugins.suspects import demo as suspects_demo

    timings = await prepare_instance(data_dir, seizures, reindex=False)
    # The search index is built once persons exist (below), so that `ncen serve` starts at once.
    instance = Instance(bench_config(data_dir))
    try:
        await create_user(
            instance,
            "bench",
            WATCHER,
            roles=["analyst", "validator"],
            password=BENCH_PASSWORD,
            must_change_password=False,
        )
        async with instance.db.transaction() as session:
            await suspects_demo.load(session, persons)
        async with instance.db.session() as session:
            uid = await session.scalar(select(User.id).where(User.username == WATCHER))
            principal = await access.principal_of_user(session, uid)
        assert principal is not None
        watch_list = await service.create_list(
            instance, principal, service.ListData(name="Bench", sharing="instance")
        )
        made = watch_entries(random.Random(19), entries)
        known = await _known(instance)
        made[: len(known)] = known  # some entries do match
        start = time.perf_counter()
        await service.add_entries(instance, principal, watch_list.id, made)
        timings["entries_seconds"] = time.perf_counter() - start
        timings["list_id"] = watch_list.id
        start = time.perf_counter()
        await instance.search.reindex()
        timings["reindex_seconds"] = time.perf_counter() - start
        # Adding entries queued the screening of the records already there: done now, so that
        # it is not counted with new data below (`existing_records` measures it), its alerts
        # cleared so that screening raises them anew.
        from sqlalchemy import delete

        from plugins.intelligence.models import Alert

        start = time.perf_counter()
        await instance.outbox.drain()
        timings["existing_jobs_seconds"] = time.perf_counter() - start
        async with instance.db.transaction() as session:
            await session.execute(delete(Alert))
    finally:
        await instance.db.dispose()
    return timings


async def _events(instance: Any) -> list[Any]:
    """A `created` event for every matchable record, as their writes would have made."""
    from sqlalchemy import select

    from core.db import utcnow
    from core.events import RecordEvent
    from plugins.intelligence.xref import matchable_types

    events = []
    async with instance.db.session() as session:
        for rt in matchable_types(instance):
            model: Any = rt.model
            kinds = select(model.id, model.kind) if hasattr(model, "kind") else select(model.id)
            for row in (await session.execute(kinds)).all():
                entity_type = row[1].title() if len(row) > 1 else rt.name
                events.append(
                    RecordEvent(
                        event_id=f"{entity_type}{row[0]}",
                        module=rt.module,
                        entity_type=entity_type,
                        entity_id=str(row[0]),
                        action="created",
                        version=1,
                        actor_type="system",
                        actor_id=None,
                        actor_name="bench",
                        fields=(),
                        occurred_at=utcnow(),
                    )
                )
    return events


async def _screening(results: Results, data_dir: Path, entries: int) -> None:
    from sqlalchemy import delete, func, select

    from core.events import RECORD_TOPIC
    from core.instance import Instance
    from core.outbox import enqueue
    from plugins.intelligence.models import Alert, MatchKey
    from plugins.intelligence.screening import screen, watch_index

    instance = Instance(bench_config(data_dir))
    try:
        start = time.perf_counter()
        index = await watch_index(instance)
        built = time.perf_counter() - start
        events = await _events(instance)
        wall, cpu = time.perf_counter(), time.process_time()
        batches = []
        for n in range(0, len(events), BATCH):
            began = time.perf_counter()
            await screen(instance, events[n : n + BATCH])
            batches.append(time.perf_counter() - began)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        async with instance.db.session() as session:
            alerts = await session.scalar(select(func.count(Alert.id)))
        per_wall = len(events) / wall
        results.add(
            "intelligence.screening_engine",
            len(events),
            entries=len(index.index),
            index_build_seconds=round(built, 2),
            seconds=round(wall, 2),
            records_per_s=round(per_wall),
            records_per_cpu_s=round(len(events) / cpu),
            alerts=alerts,
            batch=BATCH,
            load_average=round(os.getloadavg()[0], 1),
            **stats(batches),
            **target(per_wall, 1000, at_least=True),
        )

        # The entries screened against the records already there (their keys now stored), as
        # the background jobs do when entries are added, 100 entries a job.
        from plugins.intelligence.models import WatchListEntry
        from plugins.intelligence.retro import CHUNK, screen_existing

        async with instance.db.transaction() as session:
            await session.execute(delete(Alert))  # raised anew, not found already there
        async with instance.db.session() as session:
            entry_ids = list(await session.scalars(select(WatchListEntry.id)))
        wall, jobs, raised = time.perf_counter(), [], 0
        for n in range(0, len(entry_ids), CHUNK):
            began = time.perf_counter()
            raised += await screen_existing(instance, entry_ids[n : n + CHUNK])
            jobs.append(time.perf_counter() - began)
        wall = time.perf_counter() - wall
        results.add(
            "intelligence.existing_records",
            len(entry_ids),
            seconds=round(wall, 2),
            entries_per_s=round(len(entry_ids) / wall),
            alerts=raised,
            job=CHUNK,
            load_average=round(os.getloadavg()[0], 1),
            **stats(jobs),
        )

        # Through the outbox, on the same records as new: rows written as the records'
        # transactions write them, then drained; the first pass's keys and alerts are cleared.
        async with instance.db.transaction() as session:
            await session.execute(delete(Alert))
            await session.execute(delete(MatchKey))
        async with instance.db.transaction() as session:
            for event in events:
                enqueue(session, RECORD_TOPIC, event.to_payload(), if_unhandled="drop")
        wall, cpu = time.perf_counter(), time.process_time()
        delivered, batches = 0, []
        while True:
            began = time.perf_counter()
            taken = await instance.outbox.run_once()
            if not taken:
                break
            batches.append(time.perf_counter() - began)
            delivered += taken
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results.add(
            "intelligence.screening_outbox",
            len(events),
            entries=len(index.index),
            delivered=delivered,
            load_average=round(os.getloadavg()[0], 1),
            **stats(batches),
            seconds=round(wall, 2),
            records_per_s=round(len(events) / wall),
            records_per_cpu_s=round(len(events) / cpu),
            **target(len(events) / wall, 1000, at_least=True),
        )
    finally:
        await instance.stop()


async def _xref(results: Results, data_dir: Path, persons: int) -> None:
    from core.instance import Instance
    from plugins.intelligence.xref import xref

    instance = Instance(bench_config(data_dir))
    try:
        cpu = time.process_time()
        report = await xref(instance, "suspects")
        cpu = time.process_time() - cpu
        results.add(
            "intelligence.xref",
            persons,
            records=report.records,
            indexed=report.indexed,
            matches=report.matches,
            seconds=round(report.seconds, 2),
            cpu_seconds=round(cpu, 2),
            load_average=round(os.getloadavg()[0], 1),
            **target(report.seconds, 60.0),
        )
    finally:
        await instance.db.dispose()


ADD = """mutation($l: ID!, $i: WatchListEntryInput!) { addWatchListEntry(watchList: $l, input: $i) { id } }"""
LISTS = "{ watchLists { id name } }"
CREATE = """mutation($input: SeizureInput!) { createSeizure(input: $input) { id } }"""
ALERTS = """query($r: ID!) { alerts(filter: {record: $r}) { edges { node { id score
  explanation { feature candidateValue } } } } }"""
POLL_SECONDS = 0.02


def _latency(results: Results, data_dir: Path, alerts: int) -> None:
    with serve(data_dir) as server:
        officer, watcher = login(server.url, "officer"), login(server.url, WATCHER)
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def gql(token: str, query: str, **variables: Any) -> Any:
                response = client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                )
                return gql_body(response)["data"]

            [bench_list] = [w for w in gql(watcher, LISTS)["watchLists"] if w["name"] == "Bench"]
            gql(
                watcher,
                ADD,
                l=bench_list["id"],
                i={"kind": "CONVEYANCE", "identifiers": [{"family": "PLATE", "value": "LAT-0001"}]},
            )
            samples = []
            for n in range(alerts):
                seizure = {
                    "seizureDate": "2026-03-05",
                    "place": {"country": "NL"},
                    "area": "drugs",
                    "goods": [{"commodity": "cocaine", "quantity": f"{n + 1}", "unit": "KGM"}],
                    "conveyance": {"transportMode": "3", "identifier": "lat 0001"},
                }
                created = gql(officer, CREATE, input=seizure)["createSeizure"]["id"]
                committed = time.perf_counter()
                while True:
                    found = gql(watcher, ALERTS, r=created)["alerts"]["edges"]
                    if found:
                        samples.append(time.perf_counter() - committed)
                        break
                    if time.perf_counter() - committed > 30:
                        raise RuntimeError("no alert within 30 s")
                    time.sleep(POLL_SECONDS)
    measured = stats(samples)
    results.add(
        "intelligence.alert_latency",
        alerts,
        **measured,
        **target(measured["p95_ms"], 2000.0),
    )


def run(
    results: Results,
    work: Path,
    *,
    entries: int,
    seizures: int,
    persons: int,
    alerts: int,
) -> None:
    data_dir = work / "intelligence"
    timings = asyncio.run(_prepare(data_dir, seizures, persons, entries))
    results.note(f"intelligence data ready: {timings}")
    asyncio.run(_screening(results, data_dir, entries))
    asyncio.run(_xref(results, data_dir, persons))
    _latency(results, data_dir, alerts)
