"""HTTP: an authenticated small GraphQL query, requests/s and p95 from concurrent clients, against
a bare starlette endpoint served by uvicorn with the same settings on the same machine."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx

from bench.common import (
    Results,
    cpu_ms_per,
    cpu_seconds,
    gql_body,
    login,
    prepare_instance,
    ratio,
    serve,
    stats,
)

QUERY = "{ me { via user { username } } }"


async def _hammer(
    url: str, token: str | None, requests: int, clients: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    counter = iter(range(requests))
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            await http.post("/graphql", json={"query": QUERY})  # connect outside the timing
            for _ in counter:
                begin = time.perf_counter()
                gql_body(await http.post("/graphql", json={"query": QUERY}))
                latencies.append(time.perf_counter() - begin)

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - begin


def run(results: Results, work: Path, *, requests: int, clients: int) -> None:
    data_dir = work / "http"
    asyncio.run(prepare_instance(data_dir, 100))
    with serve(data_dir) as server:
        token = login(server.url, "analyst")
        asyncio.run(_hammer(server.url, token, min(200, requests), clients))  # warm-up
        cpu_before = cpu_seconds(server.process)
        ncen, ncen_seconds = asyncio.run(_hammer(server.url, token, requests, clients))
        ncen_cpu = cpu_ms_per(server.process, cpu_before, requests + clients)
    bare_command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--log-level", "info"]
    with serve(data_dir, command=bare_command) as server:
        asyncio.run(_hammer(server.url, None, min(200, requests), clients))
        cpu_before = cpu_seconds(server.process)
        bare, bare_seconds = asyncio.run(_hammer(server.url, None, requests, clients))
        bare_cpu = cpu_ms_per(server.process, cpu_before, requests + clients)
    ncen_rate, bare_rate = len(ncen) / ncen_seconds, len(bare) / bare_seconds
    bare_stats = stats(bare)
    results.add(
        "http.bare_starlette",
        requests,
        requests_per_s=round(bare_rate, 1),
        clients=clients,
        server_cpu_ms_per_request=bare_cpu,
        **bare_stats,
    )
    ncen_stats = stats(ncen)
    results.add(
        "http.graphql_me",
        requests,
        requests_per_s=round(ncen_rate, 1),
        clients=clients,
        server_cpu_ms_per_request=ncen_cpu,
        **ncen_stats,
        anchor="http.bare_starlette",
        ratio=ratio(ncen_rate, bare_rate),
        p95_ratio=ratio(ncen_stats["p95_ms"], bare_stats["p95_ms"]),
    )
