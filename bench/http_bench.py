"""HTTP: small requests and everyday pages, driven by `wrk` (a C load generator), against two
anchors served by uvicorn alike on the same machine: a bare starlette endpoint returning the JSON
of `me`, and a stock strawberry app answering the same `me` query.

Each scenario gives requests/s, p50/p95/p99 latency and the server's CPU per request (from
/proc; on a shared machine it moves far less with the load than requests/s). `wrk` runs one
thread; its Lua script cycles through the scenario's requests and prints a JSON summary.

Without `wrk` (Debian/Ubuntu: `apt-get install -y wrk`) the benchmark falls back to an httpx
client, which saturates first: those figures carry `client_bound: true` and mostly measure the
client.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    Results,
    bench_config,
    cpu_seconds,
    gql_body,
    login,
    prepare_instance,
    ratio,
    serve,
    stats,
    target,
)

ME = "{ me { via user { username } } }"
MODULES = "{ modules { name version } }"
SEIZURES_10 = "{ seizures(first: 10) { edges { node { reference status } } } }"
SEIZURES_20_GOODS = """{ seizures(first: 20) { edges { node { reference status seizureDate
  goods { commodity quantity unit } } } } }"""
SEIZURES_50 = """{ seizures(first: 50) { edges { node { reference status seizureDate
  goods { commodity quantity unit } route { role country } } } } }"""
SEARCH = '{ search(query: "cocaine", first: 20) { totalCount edges { node { entityType } } } }'
COMPANIES = "{ companies(first: 20) { edges { node { id } } } }"
CODE_LIST = '{ codeList(name: "countries", language: "fr") { entries { code label } } }'
# The everyday mix of a frontend: who am I, a list page, a search box, another list, a form's
# reference data, in turn.
MIX = [ME, SEIZURES_20_GOODS, SEARCH, COMPANIES, CODE_LIST]

LUA = r"""
local bodies = { %(bodies)s }
local headers = { ["Content-Type"] = "application/json" %(auth)s }
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/graphql", headers, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "status_errors": %%d, "timeouts": %%d, ' ..
    '"socket_errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.timeout, e.connect + e.read + e.write))
end
"""


@dataclass(frozen=True)
class Scenario:
    what: str
    queries: list[str]
    token: str | None  # "session", "token" or None (anonymous)
    connections: int = 16


def lua_script(queries: list[str], authorization: str | None) -> str:
    bodies = ", ".join(json.dumps(json.dumps({"query": q})) for q in queries)
    auth = f', ["Authorization"] = {json.dumps(authorization)}' if authorization else ""
    return LUA % {"bodies": bodies, "auth": auth}


def run_wrk(
    url: str, script: Path, connections: int, seconds: float, timeout: float = 5.0
) -> dict[str, Any]:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout:g}s",
        "-s",
        str(script),
        url + "/graphql",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    return json.loads(line.removeprefix("WRKJSON "))


async def _hammer(
    url: str, queries: list[str], authorization: str | None, seconds: float, clients: int
) -> tuple[list[float], int]:
    """The fallback load: httpx clients for `seconds` (client-bound)."""
    latencies: list[float] = []
    headers = {"authorization": authorization} if authorization else {}
    deadline = time.monotonic() + seconds

    async def client(offset: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            i = offset
            while time.monotonic() < deadline:
                begin = time.perf_counter()
                await http.post("/graphql", json={"query": queries[i % len(queries)]})
                latencies.append(time.perf_counter() - begin)
                i += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, len(latencies)


def check(url: str, queries: list[str], authorization: str | None) -> None:
    """Every request of a scenario answers without errors (wrk only sees HTTP statuses)."""
    headers = {"authorization": authorization} if authorization else {}
    for query in queries:
        gql_body(httpx.post(url + "/graphql", json={"query": query}, headers=headers))


def measure(
    work: Path,
    url: str,
    process: subprocess.Popen[bytes],
    scenario: Scenario,
    authorization: str | None,
    seconds: float,
) -> tuple[int, dict[str, Any]]:
    """(requests served, figures) of one scenario against a running server."""
    check(url, scenario.queries, authorization)
    use_wrk = shutil.which("wrk") is not None
    script = work / f"{scenario.what}.lua"
    script.write_text(lua_script(scenario.queries, authorization))
    # Warm-up: caches, the parser's and the credential's, and the connection pool.
    if use_wrk:
        run_wrk(url, script, scenario.connections, 1)
    else:
        asyncio.run(_hammer(url, scenario.queries, authorization, 0.5, 4))
    before = cpu_seconds(process)
    if use_wrk:
        found = run_wrk(url, script, scenario.connections, seconds)
        count = found["requests"]
        figures: dict[str, Any] = {
            "requests_per_s": round(count / (found["duration_us"] / 1e6), 1),
            "median_ms": round(found["p50_us"] / 1000, 3),
            "p95_ms": round(found["p95_us"] / 1000, 3),
            "p99_ms": round(found["p99_us"] / 1000, 3),
            "max_ms": round(found["max_us"] / 1000, 3),
            "errors": found["status_errors"] + found["socket_errors"],
            "timeouts": found["timeouts"],
            "load": "wrk",
        }
    else:
        latencies, count = asyncio.run(
            _hammer(url, scenario.queries, authorization, seconds, min(8, scenario.connections))
        )
        figures = {
            "requests_per_s": round(count / seconds, 1),
            **stats(latencies),
            "load": "httpx",
            "client_bound": True,
        }
    after = cpu_seconds(process)
    cpu = round((after - before) * 1000 / count, 3) if after and before and count else None
    return count, {
        "connections": scenario.connections,
        "server_cpu_ms_per_request": cpu,
        **figures,
    }


async def _prepare(data_dir: Path, seizures: int, companies: int) -> str:
    """Bench data (seizures, companies, search index, users) and an API token's secret."""
    from core.auth.accounts import SERVICE, create_user
    from core.auth.api_tokens import create_token
    from core.instance import Instance
    from plugins.companies import demo as companies_demo

    await prepare_instance(data_dir, seizures, reindex=False)
    instance = Instance(bench_config(data_dir))
    try:
        async with instance.db.transaction() as session:
            await companies_demo.load(session, companies)
        await instance.search.reindex()
        await create_user(instance, "bench", "svc", roles=["analyst"], kind=SERVICE)
        secret, _ = await create_token(
            instance,
            "bench",
            username="svc",
            name="bench",
            scopes=["seizures.view", "companies.view"],
            expires_in_days=1,
        )
    finally:
        await instance.db.dispose()
    return secret


def run(results: Results, work: Path, *, seconds: float, seizures: int, companies: int) -> None:
    data_dir = work / "http"
    api_token = asyncio.run(_prepare(data_dir, seizures, companies))
    if shutil.which("wrk") is None:
        results.note("wrk not found (apt-get install -y wrk): httpx drives the load, client-bound")
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning"]
    anchors: dict[str, float] = {}
    for what, app in (
        ("http.bare_starlette", "bench.bare_app:app"),
        ("http.stock_strawberry_me", "bench.stock_app:app"),
    ):
        with serve(data_dir, command=[*uvicorn, app]) as server:
            count, found = measure(
                work, server.url, server.process, Scenario(what, [ME], None), None, seconds
            )
            anchors[what] = found["requests_per_s"]
            if what != "http.bare_starlette":
                found["anchor"] = "http.bare_starlette"
                found["ratio"] = ratio(found["requests_per_s"], anchors["http.bare_starlette"])
            results.add(what, count, **found)
    stock = anchors["http.stock_strawberry_me"]
    with serve(data_dir) as server:
        session = f"Bearer {login(server.url, 'analyst')}"
        token = f"Bearer {api_token}"
        scenarios = [
            (Scenario("http.modules_anonymous", [MODULES], None), None),
            (Scenario("http.graphql_me", [ME], "session"), session),
            (Scenario("http.graphql_me_token", [ME], "token"), token),
            (Scenario("http.seizures_10", [SEIZURES_10], "session"), session),
            (Scenario("http.seizures_50_goods_route", [SEIZURES_50], "session"), session),
            (Scenario("http.search_20", [SEARCH], "session"), session),
            (Scenario("http.codelist_countries_fr", [CODE_LIST], "session"), session),
            (Scenario("http.mix_50", MIX, "session", connections=50), session),
        ]
        for scenario, authorization in scenarios:
            count, found = measure(
                work, server.url, server.process, scenario, authorization, seconds
            )
            found["anchor"] = "http.stock_strawberry_me"
            found["ratio"] = ratio(found["requests_per_s"], stock)
            found["bare_ratio"] = ratio(found["requests_per_s"], anchors["http.bare_starlette"])
            cpu = found["server_cpu_ms_per_request"]
            if scenario.what == "http.graphql_me":
                found.update(target(found["ratio"] or 0.0, 3.0, at_least=True))
            elif scenario.what == "http.seizures_10" and cpu is not None:
                found.update(target(cpu, 1.0))
            elif scenario.what == "http.mix_50" and cpu is not None:
                found.update(target(cpu, 2.0))
                found["p99_target_ms"] = 300
                found["p99_target_met"] = found.get("p99_ms", found["p95_ms"]) <= 300
            results.add(scenario.what, count, **found)
