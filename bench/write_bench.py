"""Write path: `createSeizure` acknowledged per second over HTTP from concurrent clients against a
real `ncen serve`, and the lag from commit to searchable under that load.

Drafts are private, so they never enter the shared index: a probe client alongside the load
creates and submits a seizure, takes the submit's acknowledgement as the commit time, and polls
`search` until the reference is found.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    Results,
    cpu_ms_per,
    cpu_seconds,
    gql_body,
    login,
    prepare_instance,
    serve,
    stats,
    target,
)

CREATE = """mutation($input: SeizureInput!) { createSeizure(input: $input) {
  id reference version status } }"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitSeizure(id: $id, version: $v) { status version } }"
FIND = "query($q: String!) { search(query: $q) { totalCount } }"
COMMODITIES = (
    ("drugs", "cocaine", "KGM"),
    ("tobacco", "cigarettes", "H87"),
    ("ipr", "counterfeit_watches", "H87"),
)
POLL_SECONDS = 0.02
PROBE_TIMEOUT = 30.0


def seizure_input(n: int) -> dict[str, Any]:
    area, commodity, unit = COMMODITIES[n % len(COMMODITIES)]
    return {
        "seizureDate": (dt.date.today() - dt.timedelta(days=1 + n % 300)).isoformat(),
        "place": {"country": ("NL", "BE", "FR", "DE")[n % 4]},
        "area": area,
        "detectionMethod": "xray_scanner",
        "goods": [{"commodity": commodity, "quantity": str(1 + n % 500), "unit": unit}],
        "narrative": f"Benchmark seizure number {n}.",
    }


async def _load(url: str, token: str, creates: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    counter = iter(range(creates))
    headers = {"authorization": f"Bearer {token}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            for n in counter:
                begin = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": CREATE, "variables": {"input": seizure_input(n)}}
                )
                gql_body(response)
                latencies.append(time.perf_counter() - begin)

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - begin


async def _probe(url: str, officer: str, analyst: str, stop: asyncio.Event) -> list[float]:
    lags: list[float] = []
    n = 1_000_000
    async with (
        httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {officer}"}, timeout=60
        ) as write,
        httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {analyst}"}, timeout=60
        ) as read,
    ):
        while not stop.is_set():
            n += 1
            created = gql_body(
                await write.post(
                    "/graphql", json={"query": CREATE, "variables": {"input": seizure_input(n)}}
                )
            )["data"]["createSeizure"]
            gql_body(
                await write.post(
                    "/graphql",
                    json={
                        "query": SUBMIT,
                        "variables": {"id": created["id"], "v": created["version"]},
                    },
                )
            )
            committed = time.perf_counter()
            query = {"query": FIND, "variables": {"q": f'identifiers:"{created["reference"]}"'}}
            while time.perf_counter() - committed < PROBE_TIMEOUT:
                found = gql_body(await read.post("/graphql", json=query))
                if found["data"]["search"]["totalCount"]:
                    lags.append(time.perf_counter() - committed)
                    break
                await asyncio.sleep(POLL_SECONDS)
            else:
                raise RuntimeError(f"{created['reference']} not searchable in {PROBE_TIMEOUT} s")
    return lags


async def _measure(url: str, creates: int, clients: int) -> tuple[list[float], float, list[float]]:
    officer = await asyncio.to_thread(login, url, "officer")
    analyst = await asyncio.to_thread(login, url, "analyst")
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(url, officer, analyst, stop))
    try:
        latencies, seconds = await _load(url, officer, creates, clients)
    finally:
        stop.set()
    lags = await probe
    return latencies, seconds, lags


def run(results: Results, work: Path, *, creates: int, clients: int) -> None:
    data_dir = work / "write"
    asyncio.run(prepare_instance(data_dir, 1000))
    with serve(data_dir) as server:
        cpu_before, client_before = cpu_seconds(server.process), time.process_time()
        latencies, seconds, lags = asyncio.run(_measure(server.url, creates, clients))
        cpu_ms = cpu_ms_per(server.process, cpu_before, len(latencies))
        client_ms = round((time.process_time() - client_before) * 1000 / len(latencies), 2)
    rate = len(latencies) / seconds
    results.add(
        "write.create_seizure",
        creates,
        creates_per_s=round(rate, 1),
        clients=clients,
        # Server CPU per create, the probe's submits and searches and the relay included; the
        # load generator's own CPU shares the same cores.
        server_cpu_ms_per_create=cpu_ms,
        client_cpu_ms_per_create=client_ms,
        **stats(latencies),
        **target(rate, 100.0, at_least=True),
    )
    if lags:
        lag = stats(lags)
        results.add(
            "write.commit_to_searchable",
            len(lags),
            p50_ms=lag["median_ms"],
            **lag,
            poll_ms=POLL_SECONDS * 1000,
            under_load_creates_per_s=round(rate, 1),
            **target(lag["p95_ms"], 2000.0),
        )
