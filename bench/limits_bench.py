"""Limits: what hostile requests cost a real `ncen serve` with the production GraphQL defaults,
and what the largest accepted request costs (the figures of docs/security.md).

- `limits.nested_links_refused`: the issue's attack, `company { links(first: 50) { entity {
  ... on Company { links(first: 50) ... } } } }` seven hops deep, over `companies` companies
  all linked to each other; each must be refused with QUERY_TOO_COSTLY (target: < 50 ms).
- `limits.nested_links_burst`: 8 such attempts at once, `rounds` times, while another client
  polls `/healthz`: the server's resident memory after (target: < 1 GB) and the `/healthz`
  latencies meanwhile (target: p95 < 100 ms).
- `limits.fuzzy_aliases`: 30 aliased searches of 1,000 characters of fuzzy terms in one
  request (refused or answered; target: < 2 s), and `limits.fuzzy_search`: one search with
  as many fuzzy terms as allowed, over the demo index.
- `limits.refused.<case>`: how long each other limit takes to refuse what it exists for (an
  oversized or undecodable body, a document over the token, depth or alias limits, a lone
  surrogate, a decimal NaN, a list over its maximum, an unnamed operation among several, search
  text over the term caps, a pattern over the expansion cap); each answer's code is checked.
- `limits.largest_accepted`: a request just under `max_cost` that real data fills (aliased
  full pages of seizures): its time (target: < 2 s), response size, and the server's resident
  and peak memory before and after (a peak that does not move means the request needed less
  than the distance between the two).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Results, login, prepare_instance, serve, stats, target
from core.config import GraphQLSettings, SearchSettings

PRODUCTION = GraphQLSettings()
NESTED_HOPS = 7
LINK = "mutation($input: LinkInput!) { link(input: $input) { id } }"
CREATE_COMPANY = "mutation($input: CompanyInput!) { createCompany(input: $input) { id } }"
PAGE = """{ totalCount edges { cursor node {
  id reference status form version seizureDate seizureTime reportingOffice area
  detectionMethod direction offenceType riskIndicators
  place { country code name locationType }
  conveyance { transportMode type identifier country containers }
  goods { position commodity hsCode brand quantity unit pieces value currency }
  route { position role country place date } } } }"""


def nested_links(hops: int, first: int = 50) -> str:
    inner = "id"
    for _ in range(hops):
        inner = f"links(first: {first}) {{ relation entity {{ ... on Company {{ id {inner} }} }} }}"
    return f"query($id: ID!) {{ company(id: $id) {{ {inner} }} }}"


def fuzzy_aliases(count: int = 30, length: int = 1000) -> str:
    text = " ".join(f"c{i}o~2" for i in range(length))[:length]
    searches = " ".join(f's{i}: search(query: "{text}") {{ totalCount }}' for i in range(count))
    return f"{{ {searches} }}"


def _fanout(fragments: int) -> str:
    chain = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(fragments)
    )
    return f"query {{ ...F0 }} {chain} fragment F{fragments} on Query {{ x: __typename }}"


def _deep_introspection(levels: int) -> str:
    return (
        "{ __schema { types { fields { type { "
        + "ofType { " * levels
        + "name"
        + " }" * (levels + 4)
        + " }"
    )


CREATE_SEIZURE = "mutation($input: SeizureInput!) { createSeizure(input: $input) { id } }"
SEARCH = "query($q: String!) { search(query: $q, first: 5) { totalCount } }"


def _seizure(**goods: Any) -> dict[str, Any]:
    line = {"commodity": "cocaine", "quantity": "1", "unit": "KGM", **goods}
    return {
        "seizureDate": "2026-03-05",
        "place": {"country": "NL"},
        "area": "drugs",
        "goods": [line],
    }


def refusal_cases() -> dict[str, tuple[str, bytes, str]]:
    """Case -> (who sends it, raw JSON body, the code expected)."""

    def body(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> bytes:
        return json.dumps({"query": query, "variables": variables or {}, **extra}).encode()

    many_goods = _seizure()
    many_goods["goods"] = many_goods["goods"] * 5000
    return {
        "body_over_max_body_bytes": (
            "analyst",
            body("{ health { ok } }", {"pad": "x" * (PRODUCTION.max_body_bytes + 1)}),
            "PAYLOAD_TOO_LARGE",
        ),
        "body_not_utf8": (
            "analyst",
            b'{"query": "{ health { ok } }", "x": "\xff"}',
            "INVALID_ENCODING",
        ),
        "variables_5000_deep": (
            "analyst",
            b'{"query": "{ health { ok } }", "variables": {"a": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
            "JSON_TOO_DEEP",
        ),
        "lone_surrogate": ("analyst", body("{ health { ok } }", {"u": "\ud800"}), "INVALID_TEXT"),
        "tokens_10000": ("analyst", body("{ " + "__typename " * 10_000 + "}"), "TOO_MANY_TOKENS"),
        "depth_50": ("analyst", body(_deep_introspection(46)), "QUERY_TOO_DEEP"),
        "aliases_2_pow_60": ("analyst", body(_fanout(60)), "TOO_MANY_ALIASES"),
        "operations_unnamed": (
            "analyst",
            body("query A { health { ok } } query B { modules { name } }"),
            "OPERATION_NAME_REQUIRED",
        ),
        "decimal_nan": (
            "officer",
            body(CREATE_SEIZURE, {"input": _seizure(quantity="NaN")}),
            "INVALID_DECIMAL",
        ),
        "goods_5000_lines": (
            "officer",
            body(CREATE_SEIZURE, {"input": many_goods}),
            "TOO_MANY_ITEMS",
        ),
        "search_1000_chars_fuzzy": (
            "analyst",
            body(SEARCH, {"q": " ".join(f"c{i}o~2" for i in range(200))[:1000]}),
            "QUERY_TOO_COMPLEX",
        ),
        # Every word of the index: over the cap on any index of more than `max_expansions` words.
        "search_pattern_too_broad": ("analyst", body(SEARCH, {"q": "?*"}), "QUERY_TOO_BROAD"),
    }


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in kB, from /proc."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def list_items(value: Any) -> int:
    """List items in a response, nested lists included (what max_result_items counts)."""
    stack, count = [value], 0
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            count += len(current)
            stack.extend(current)
        elif isinstance(current, dict):
            stack.extend(current.values())
    return count


def codes(body: dict[str, Any]) -> list[str]:
    return [str(e.get("extensions", {}).get("code")) for e in body.get("errors", [])]


async def _link_companies(url: str, token: str, count: int) -> str:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        ids = []
        for i in range(count):
            data = {
                "legalName": f"Ring {i} Trading Ltd.",
                "country": "GB",
                "roles": ["importer"],
            }
            body = (
                await http.post(
                    "/graphql", json={"query": CREATE_COMPANY, "variables": {"input": data}}
                )
            ).json()
            ids.append(body["data"]["createCompany"]["id"])
        for i, source in enumerate(ids):
            for other in ids[i + 1 :]:
                link = {"source": source, "relation": "parentCompany", "target": other}
                await http.post("/graphql", json={"query": LINK, "variables": {"input": link}})
    return ids[0]


async def _refusals(url: str, token: str, company: str, repeat: int) -> list[float]:
    query = {"query": nested_links(NESTED_HOPS), "variables": {"id": company}}
    headers = {"authorization": f"Bearer {token}"}
    samples = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        await http.post("/graphql", json=query)  # connect outside the timing
        for _ in range(repeat):
            begin = time.perf_counter()
            body = (await http.post("/graphql", json=query)).json()
            samples.append(time.perf_counter() - begin)
            if codes(body) != ["QUERY_TOO_COSTLY"]:
                raise RuntimeError(f"the nested links were not refused: {str(body)[:300]}")
    return samples


async def _burst(url: str, token: str, company: str, rounds: int, attempts: int) -> list[float]:
    """`attempts` concurrent refusals, `rounds` times, while /healthz is polled; returns the
    /healthz latencies."""
    query = {"query": nested_links(NESTED_HOPS), "variables": {"id": company}}
    headers = {"authorization": f"Bearer {token}"}
    health: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while not done.is_set():
                begin = time.perf_counter()
                await http.get("/healthz")
                health.append(time.perf_counter() - begin)
                await asyncio.sleep(0.005)

    async def attacker() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            for _ in range(rounds):
                await http.post("/graphql", json=query)

    poller = asyncio.create_task(poll())
    await asyncio.gather(*(attacker() for _ in range(attempts)))
    done.set()
    await poller
    return health


def _timed_post(
    url: str, token: str | None, query: str, repeat: int
) -> tuple[list[float], dict[str, Any], int]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    samples, body, size = [], {}, 0
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        http.post("/graphql", json={"query": "{ health { ok } }"})
        for _ in range(repeat):
            begin = time.perf_counter()
            response = http.post("/graphql", json={"query": query})
            samples.append(time.perf_counter() - begin)
            body, size = response.json(), len(response.content)
    return samples, body, size


def run(
    results: Results, work: Path, *, seizures: int, companies: int, repeat: int, rounds: int
) -> None:
    data_dir = work / "limits"
    asyncio.run(prepare_instance(data_dir, seizures))
    production = {
        "NCEN_GRAPHQL_MAX_PAGE_SIZE": str(PRODUCTION.max_page_size),
        "NCEN_GRAPHQL_MAX_COST": str(PRODUCTION.max_cost),
    }
    with serve(data_dir, env=production) as server:
        officer = login(server.url, "officer")
        analyst = login(server.url, "analyst")
        company = asyncio.run(_link_companies(server.url, officer, companies))

        refusals = asyncio.run(_refusals(server.url, officer, company, repeat))
        summary = stats(refusals)
        results.add(
            "limits.nested_links_refused",
            companies,
            hops=NESTED_HOPS,
            **summary,
            **target(summary["p95_ms"], 50.0),
        )

        health = asyncio.run(_burst(server.url, officer, company, rounds, 8))
        memory = memory_kb(server.process.pid)
        health_stats = stats(health)
        results.add(
            "limits.nested_links_burst",
            8,
            rounds=rounds,
            latency_of="/healthz during the burst",
            rss_mb=round(memory.get("VmRSS", 0) / 1024, 1),
            peak_rss_mb=round(memory.get("VmHWM", 0) / 1024, 1),
            **health_stats,
            **target(health_stats["p95_ms"], 100.0),
        )

        samples, body, _size = _timed_post(
            server.url, analyst, fuzzy_aliases(), max(1, repeat // 4)
        )
        fuzzy = stats(samples)
        results.add(
            "limits.fuzzy_aliases",
            30,
            outcome=sorted(set(codes(body))) or "answered",
            **fuzzy,
            **target(fuzzy["p95_ms"], 2000.0),
        )
        allowed = SearchSettings().max_expanding_terms
        terms = " ".join(f"c{i}o~2" for i in range(allowed))
        samples, body, _size = _timed_post(
            server.url,
            analyst,
            f'{{ search(query: "{terms}", first: 20) {{ totalCount }} }}',
            max(1, repeat // 4),
        )
        results.add(
            "limits.fuzzy_search",
            allowed,
            outcome=sorted(set(codes(body))) or "answered",
            **stats(samples),
        )

        tokens = {"analyst": analyst, "officer": officer}
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for case, (who, raw, expected) in refusal_cases().items():
                headers = {
                    "authorization": f"Bearer {tokens[who]}",
                    "content-type": "application/json",
                }
                samples, found = [], []
                for _ in range(max(1, repeat // 4)):
                    begin = time.perf_counter()
                    response = http.post("/graphql", content=raw, headers=headers)
                    samples.append(time.perf_counter() - begin)
                    found = codes(response.json())
                results.add(
                    f"limits.refused.{case}",
                    None,
                    code=found[0] if found else "answered",
                    expected=expected,
                    **stats(samples),
                )

        # As many full pages of seizures as fit under max_cost: the largest request real data
        # fills. One page's estimate is read from the server first.
        one = f"{{ p0: seizures(first: {PRODUCTION.max_page_size}) {PAGE} }}"
        _, body, _size = _timed_post(server.url, analyst, one, 1)
        page_cost = int(body["extensions"]["cost"]["estimated"])
        pages = max(1, PRODUCTION.max_cost // page_cost)
        aliases = " ".join(
            f"p{i}: seizures(first: {PRODUCTION.max_page_size}) {PAGE}" for i in range(pages)
        )
        before = memory_kb(server.process.pid)
        samples, body, size = _timed_post(
            server.url, analyst, f"{{ {aliases} }}", max(1, repeat // 4)
        )
        after = memory_kb(server.process.pid)
        if codes(body):
            raise RuntimeError(f"the largest request was refused: {codes(body)}")
        largest = stats(samples)
        results.add(
            "limits.largest_accepted",
            pages * PRODUCTION.max_page_size,
            estimated_cost=body["extensions"]["cost"]["estimated"],
            max_cost=PRODUCTION.max_cost,
            response_mb=round(size / 1_000_000, 2),
            list_items=list_items(body.get("data")),
            max_result_items=PRODUCTION.max_result_items,
            rss_mb_before=round(before.get("VmRSS", 0) / 1024, 1),
            peak_rss_mb_before=round(before.get("VmHWM", 0) / 1024, 1),
            rss_mb_after=round(after.get("VmRSS", 0) / 1024, 1),
            peak_rss_mb_after=round(after.get("VmHWM", 0) / 1024, 1),
            **largest,
            **target(largest["p95_ms"], 2000.0),
        )
