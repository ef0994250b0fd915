"""Icomm: N messages from one instance to a connected one, two real `ncen serve` processes on
loopback (SQLite each). Target: delivery p95 <= 2 s, zero loss and zero duplicates with the
receiving peer killed (SIGKILL) mid-stream and started again.

Delivery latency of a message = the time its envelope's status became `delivered` (the peer's
signed receipt was verified) minus the time the message was written, both read from the
sender's database, so the clocks agree. Messages are sent by 4 concurrent clients through
`sendMessage`, as users would. Production outbox settings, except the kill run's retry base
(0.5 s instead of 2 s) so that the restarted peer is found again soon.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path

import httpx

from bench.common import Results, stats, target
from tests.icomm.helpers import SEND
from tests.icomm.instances import connected_pair, user, wait_for

TARGET_P95_S = 2.0
CLIENTS = 4


def _send(url: str, token: str, numbers: list[int], prefix: str, sent: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        for n in numbers:
            body = {"recipients": ["bob@b"], "subject": f"{prefix} {n}", "body": f"message {n}"}
            response = client.post(
                "/graphql",
                json={"query": SEND, "variables": {"input": body}},
                headers={"authorization": f"Bearer {token}"},
            )
            assert "errors" not in response.json(), response.text
            sent.append(n)


def _send_all(
    url: str, token: str, count: int, prefix: str, sent: list[int]
) -> list[threading.Thread]:
    threads = [
        threading.Thread(
            target=_send, args=(url, token, list(range(i, count, CLIENTS)), prefix, sent)
        )
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    return threads


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _latencies(db: Path, prefix: str) -> tuple[list[float], int]:
    """Seconds from writing to delivered, of the messages whose subject starts with `prefix`;
    and how many are not delivered yet."""
    rows = _query(
        db,
        "SELECT m.created_at, e.updated_at, e.status FROM icomm_envelope e "
        "JOIN icomm_message m ON m.id = e.message_id JOIN icomm_thread t ON t.id = m.thread_id "
        f"WHERE e.direction = 'out' AND t.subject LIKE '{prefix} %'",
    )
    done = [
        (dt.datetime.fromisoformat(u) - dt.datetime.fromisoformat(c)).total_seconds()
        for c, u, s in rows
        if s in ("delivered", "read")
    ]
    return done, len(rows) - len(done)


def _received(db: Path, prefix: str) -> tuple[int, int]:
    """(messages received with this prefix, distinct subjects among them) on the receiver."""
    [(total, distinct)] = _query(
        db,
        "SELECT count(*), count(DISTINCT t.subject) FROM icomm_message m "
        "JOIN icomm_thread t ON t.id = m.thread_id "
        f"WHERE m.peer_id IS NOT NULL AND t.subject LIKE '{prefix} %'",
    )
    return total, distinct


def run(results: Results, work: Path, *, messages: int) -> None:
    environ = {"NCEN_OUTBOX_RETRY_BASE_DELAY": "0.5"}
    with connected_pair(work / "icomm", environ=environ) as pair:
        a, b = pair.a, pair.b
        db_a, db_b = a.data_dir / "ncen.db", b.data_dir / "ncen.db"
        alice = user(a, "alice", "officer")
        user(b, "bob", "officer")

        # Steady: the peer is up all along.
        sent: list[int] = []
        started = time.perf_counter()
        for thread in _send_all(a.url, alice, messages, "steady", sent):
            thread.join()
        send_seconds = time.perf_counter() - started
        wait_for(lambda: _latencies(db_a, "steady")[1] == 0 and len(sent) == messages, timeout=300)
        drained = time.perf_counter() - started
        latencies, _ = _latencies(db_a, "steady")
        total, distinct = _received(db_b, "steady")
        p95 = stats(latencies)["p95_ms"] / 1000
        results.add(
            "icomm.delivery_steady",
            messages,
            **stats(latencies),
            max_ms=round(max(latencies) * 1000, 1),
            sends_per_s=round(messages / send_seconds, 1),
            seconds=round(drained, 2),
            received=total,
            lost=messages - distinct,
            duplicated=total - distinct,
            **target(p95, TARGET_P95_S),
        )

        # The peer killed a quarter of the way through, started again 2 s later.
        sent = []
        started = time.perf_counter()
        threads = _send_all(a.url, alice, messages, "killed", sent)
        wait_for(lambda: len(sent) >= messages // 4, timeout=300, interval=0.01)
        b.kill()
        killed_at = time.perf_counter()
        time.sleep(2.0)
        b.start()
        down = time.perf_counter() - killed_at
        for thread in threads:
            thread.join()
        wait_for(lambda: _latencies(db_a, "killed")[1] == 0, timeout=600)
        drained = time.perf_counter() - started
        latencies, _ = _latencies(db_a, "killed")
        total, distinct = _received(db_b, "killed")
        results.add(
            "icomm.delivery_peer_killed",
            messages,
            **stats(latencies),
            max_ms=round(max(latencies) * 1000, 1),
            peer_down_s=round(down, 2),
            seconds=round(drained, 2),
            received=total,
            lost=messages - distinct,
            duplicated=total - distinct,
            zero_loss=(total == distinct == messages),
        )
