"""List: `seizures(first: N)` with goods, route legs and containers through HTTP, against
bare graphql-core on an equivalent SDL over plain-SQL dicts, and against plain SQL + json.dumps.
Also the SQL statements one request costs at three page sizes (must not grow with N), counted
with SQLAlchemy's `before_cursor_execute` event in-process.

Concealment photos are requested (the demo data has none, so each list is empty but the page's
photo query still runs); links are not requested (the anchor has no equivalent).

Besides wall times, the server's CPU per request (`server_cpu_ms_per_request`, from /proc) and
its ratio to the anchor's process time (`cpu_ratio`): on a shared machine the wall-time ratio
also pays for the scheduling of two processes and moves with the load much more.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
from graphql import build_schema, graphql_sync

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
    target,
)

QUERY = """query($n: Int!) { seizures(first: $n) { totalCount edges { cursor node {
  id reference status form version seizureDate seizureTime reportingOffice area
  detectionMethod direction offenceType narrative riskIndicators
  place { country code name locationType }
  concealment { method description photos { id mediaType width height url thumbnailUrl } }
  conveyance { transportMode type identifier country containers }
  goods { position commodity hsCode description brand quantity unit pieces value currency }
  route { position role country place date }
} } } }"""

# Without the possibly nominal free text (narrative, descriptions), whose reading is audited
# per record (`record.view` events): this variant shows the read path without that audit.
QUERY_UNAUDITED = QUERY.replace(" narrative", "").replace(" description", "")

ANCHOR_SDL = """
type Query { seizures(first: Int!): SeizureConnection! }
type SeizureConnection { totalCount: Int! edges: [SeizureEdge!]! }
type SeizureEdge { cursor: String! node: Seizure! }
type Seizure {
  id: ID! reference: String! status: String! form: String! version: Int! seizureDate: String!
  seizureTime: String reportingOffice: String area: String! detectionMethod: String
  direction: String offenceType: String narrative: String riskIndicators: [String!]!
  place: Place! concealment: Concealment! conveyance: Conveyance! goods: [GoodsLine!]! route: [RouteLeg!]!
}
type Concealment { method: String description: String photos: [Photo!]! }
type Photo {
  id: ID! mediaType: String! width: Int! height: Int! url: String! thumbnailUrl: String!
}
type Place { country: String! code: String name: String locationType: String }
type Conveyance {
  transportMode: String type: String identifier: String country: String containers: [String!]!
}
type GoodsLine {
  position: Int! commodity: String! hsCode: String description: String brand: String
  quantity: String unit: String pieces: Int value: String currency: String
}
type RouteLeg { position: Int! role: String! country: String! place: String date: String }
"""

CASES_SQL = """SELECT id, reference, status, form, version, seizure_date, seizure_time,
  reporting_office, area, detection_method, direction, offence_type, narrative,
  place_country, place_code, place_name, location_type,
  transport_mode, conveyance_type, conveyance_identifier, conveyance_country,
  concealment_method, concealment_description
FROM seizures_case ORDER BY seizure_date DESC, id DESC LIMIT ?"""


def _children(db: sqlite3.Connection, sql: str, ids: list[int]) -> dict[int, list[Any]]:
    marks = ",".join("?" * len(ids))
    out: dict[int, list[Any]] = {i: [] for i in ids}
    for row in db.execute(sql.format(marks=marks), ids):
        out[row[0]].append(row)
    return out


def plain_sql(db: sqlite3.Connection, first: int) -> dict[str, Any]:
    """The same page as plain SQL into nested dicts (the shape the API returns)."""
    cases = db.execute(CASES_SQL, (first,)).fetchall()
    total = db.execute("SELECT count(*) FROM seizures_case").fetchone()[0]
    ids = [row[0] for row in cases]
    goods = _children(
        db,
        "SELECT case_id, position, commodity, hs_code, description, brand, quantity, unit,"
        " pieces, value, currency FROM seizures_goods_line WHERE case_id IN ({marks})"
        " ORDER BY case_id, position",
        ids,
    )
    route = _children(
        db,
        "SELECT case_id, position, role, country, place, date FROM seizures_route_leg"
        " WHERE case_id IN ({marks}) ORDER BY case_id, position",
        ids,
    )
    containers = _children(
        db,
        "SELECT case_id, number FROM seizures_container WHERE case_id IN ({marks}) ORDER BY id",
        ids,
    )
    risks = _children(
        db,
        "SELECT case_id, code FROM seizures_risk_indicator WHERE case_id IN ({marks}) ORDER BY id",
        ids,
    )
    marks = ",".join("?" * len(ids))
    photos: dict[str, list[dict[str, Any]]] = {str(i): [] for i in ids}
    for p in db.execute(
        "SELECT entity_id, id, media_type, width, height FROM core_attachment"
        f" WHERE entity_type = 'Seizure' AND entity_id IN ({marks}) ORDER BY created_at",
        [str(i) for i in ids],
    ):
        photos[p[0]].append(
            {
                "id": p[1],
                "mediaType": p[2],
                "width": p[3],
                "height": p[4],
                "url": f"/attachments/{p[1]}",
                "thumbnailUrl": f"/attachments/{p[1]}/thumbnail",
            }
        )
    edges = []
    for r in cases:
        cid = r[0]
        edges.append(
            {
                "cursor": base64.b64encode(json.dumps([r[5], cid]).encode()).decode(),
                "node": {
                    "id": base64.b64encode(f"Seizure:{cid}".encode()).decode(),
                    "reference": r[1],
                    "status": r[2].upper(),
                    "form": r[3].upper(),
                    "version": r[4],
                    "seizureDate": r[5],
                    "seizureTime": r[6],
                    "reportingOffice": r[7],
                    "area": r[8],
                    "detectionMethod": r[9],
                    "direction": r[10],
                    "offenceType": r[11],
                    "narrative": r[12],
                    "riskIndicators": [x[1] for x in risks[cid]],
                    "place": {
                        "country": r[13],
                        "code": r[14],
                        "name": r[15],
                        "locationType": r[16],
                    },
                    "concealment": {
                        "method": r[21],
                        "description": r[22],
                        "photos": photos[str(cid)],
                    },
                    "conveyance": {
                        "transportMode": r[17],
                        "type": r[18],
                        "identifier": r[19],
                        "country": r[20],
                        "containers": [x[1] for x in containers[cid]],
                    },
                    "goods": [
                        {
                            "position": g[1],
                            "commodity": g[2],
                            "hsCode": g[3],
                            "description": g[4],
                            "brand": g[5],
                            "quantity": None if g[6] is None else str(g[6]),
                            "unit": g[7],
                            "pieces": g[8],
                            "value": None if g[9] is None else str(g[9]),
                            "currency": g[10],
                        }
                        for g in goods[cid]
                    ],
                    "route": [
                        {
                            "position": leg[1],
                            "role": leg[2],
                            "country": leg[3],
                            "place": leg[4],
                            "date": leg[5],
                        }
                        for leg in route[cid]
                    ],
                },
            }
        )
    return {"totalCount": total, "edges": edges}


def _anchor_query() -> str:
    return QUERY


async def count_statements(data_dir: Path, sizes: list[int], query: str) -> dict[int, int]:
    """SQL statements of one authenticated `seizures(first: n)` request, counted in-process."""
    from sqlalchemy import event

    from bench.common import BENCH_PASSWORD, bench_config
    from core.instance import Instance
    from core.web import create_app

    instance = Instance(bench_config(data_dir))
    await instance.start()
    await instance.outbox.stop()  # its polling would be counted with the request's statements
    counted: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counted.append(statement)

    try:
        transport = httpx.ASGITransport(app=create_app(instance))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            login_query = (
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
            )
            body = (
                await client.post(
                    "/graphql",
                    json={"query": login_query, "variables": {"u": "analyst", "p": BENCH_PASSWORD}},
                )
            ).json()
            headers = {"authorization": f"Bearer {body['data']['login']['token']}"}
            result = {}
            await client.post(
                "/graphql", json={"query": query, "variables": {"n": 1}}, headers=headers
            )
            event.listen(instance.db.engine.sync_engine, "before_cursor_execute", before)
            for n in sizes:
                counted.clear()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": {"n": n}}, headers=headers
                )
                gql_body(response)
                result[n] = len(counted)
            event.remove(instance.db.engine.sync_engine, "before_cursor_execute", before)
    finally:
        await instance.stop()
    return result


def run(results: Results, work: Path, *, first: int, db_size: int, repeat: int) -> None:
    data_dir = work / "list"
    asyncio.run(prepare_instance(data_dir, db_size, reindex=False))
    results.note(f"list: {db_size} seizures loaded; page of {first}")

    # Anchors: plain SQL (the same rows), bare graphql-core on an equivalent SDL, json.dumps.
    db = sqlite3.connect(str(data_dir / "ncen.db"))
    schema = build_schema(ANCHOR_SDL)
    query = _anchor_query()

    def floor() -> None:
        json.dumps({"data": {"seizures": plain_sql(db, first)}})

    def anchor() -> None:
        result = graphql_sync(
            schema,
            query,
            root_value={"seizures": lambda _info, first: plain_sql(db, first)},
            variable_values={"n": first},
        )
        assert not result.errors, result.errors
        json.dumps({"data": result.data})

    floor_stats = stats([s for s in _timed(floor, repeat)])
    cpu_before = time.process_time()
    anchor_stats = stats([s for s in _timed(anchor, repeat)])
    anchor_cpu = round((time.process_time() - cpu_before) * 1000 / (repeat + 1), 2)
    db.close()

    with serve(data_dir) as server:
        token = login(server.url, "analyst")
        headers = {"authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:

            def product(query: str) -> None:
                response = client.post("/graphql", json={"query": query, "variables": {"n": first}})
                body = gql_body(response)
                assert len(body["data"]["seizures"]["edges"]) == min(first, db_size)

            # Server CPU per request too: on a shared machine it moves far less with the load
            # than the wall time, whose ratio to the in-process anchor also pays the scheduling
            # of two processes. The anchor's CPU is its process time.
            cpu_before = cpu_seconds(server.process)
            product_stats = stats(_timed(lambda: product(QUERY), repeat))
            product_cpu = cpu_ms_per(server.process, cpu_before, repeat + 1)
            cpu_before = cpu_seconds(server.process)
            unaudited_stats = stats(_timed(lambda: product(QUERY_UNAUDITED), repeat))
            unaudited_cpu = cpu_ms_per(server.process, cpu_before, repeat + 1)

    results.add("list.floor_sql_json", first, **floor_stats)
    results.add(
        "list.anchor_graphql_core",
        first,
        **anchor_stats,
        ratio_to_floor=ratio(anchor_stats["median_ms"], floor_stats["median_ms"]),
        cpu_ms=anchor_cpu,
    )
    product_ratio = ratio(product_stats["median_ms"], anchor_stats["median_ms"])
    results.add(
        "list.http_seizures",
        first,
        **product_stats,
        anchor="list.anchor_graphql_core",
        ratio=product_ratio,
        ratio_to_floor=ratio(product_stats["median_ms"], floor_stats["median_ms"]),
        server_cpu_ms_per_request=product_cpu,
        cpu_ratio=ratio(product_cpu, anchor_cpu) if product_cpu else None,
        **target(product_ratio or 0.0, 1.25),
    )

    unaudited_ratio = ratio(unaudited_stats["median_ms"], anchor_stats["median_ms"])
    results.add(
        "list.http_seizures_unaudited",
        first,
        **unaudited_stats,
        anchor="list.anchor_graphql_core",
        ratio=unaudited_ratio,
        ratio_to_floor=ratio(unaudited_stats["median_ms"], floor_stats["median_ms"]),
        server_cpu_ms_per_request=unaudited_cpu,
        cpu_ratio=ratio(unaudited_cpu, anchor_cpu) if unaudited_cpu else None,
        note="without narrative and descriptions (whose reads are audited per record)",
    )
    sizes = sorted({max(1, first // 10), min(first, 500), first})
    for what, query in (
        ("list.sql_statements", QUERY),
        ("list.sql_statements_unaudited", QUERY_UNAUDITED),
    ):
        counts = asyncio.run(count_statements(data_dir, sizes, query))
        constant = len(set(counts.values())) == 1
        for n, statements in counts.items():
            results.add(
                what,
                n,
                statements=statements,
                constant=constant,
                target="same count at every N",
                target_met=constant,
            )


def _timed(fn: Any, repeat: int) -> list[float]:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples
