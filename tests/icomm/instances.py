"""Two (or more) real instances that know each other: for the acceptance tests and the
benchmark. Each is an `ncen serve` process with its own data dir on a loopback port."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.testing.servers import ServedInstance, served_instance

PASSWORD = "long-enough-test-passphrase-42"
# Fast retries so that a peer restarted after a few seconds is reached again soon.
ENVIRON = {"NCEN_OUTBOX_RETRY_BASE_DELAY": "0.2", "NCEN_OUTBOX_POLL_INTERVAL": "0.2"}


def gql(
    server: ServedInstance,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def user(server: ServedInstance, username: str, *roles: str) -> str:
    """Create an account through the CLI and sign in; return its session token."""
    args = ["user", "create", username, "--password-stdin"]
    for role in roles:
        args += ["--role", role]
    import subprocess

    from core.testing.servers import NCEN

    subprocess.run(
        [str(NCEN), *args],
        env=server.environ,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    data = gql(
        server,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
        {"u": username, "p": PASSWORD},
    )
    return data["login"]["token"]


def public_key(server: ServedInstance) -> str:
    return server.ncen("instance", "key").stdout.strip()


def connect(a: ServedInstance, a_name: str, b: ServedInstance, b_name: str) -> None:
    """Register each instance on the other, with an agreement both ways."""
    for here, there, there_name in ((a, b, b_name), (b, a, a_name)):
        here.ncen("peer", "add", there_name, there.url, "--key", public_key(there))
        here.ncen(
            "peer",
            "agree",
            there_name,
            "--legal-basis",
            "Mutual administrative assistance, Naples II Convention art. 7",
            "--reference",
            f"MOU-{there_name.upper()}-2026",
        )


@dataclass
class Pair:
    a: ServedInstance
    b: ServedInstance


@contextlib.contextmanager
def connected_pair(
    tmp_path: Path,
    database_urls: tuple[str | None, str | None] = (None, None),
    environ: dict[str, str] | None = None,
) -> Iterator[Pair]:
    environ = ENVIRON if environ is None else environ
    with (
        served_instance(
            tmp_path / "a", modules=["icomm"], environ=environ, database_url=database_urls[0]
        ) as a,
        served_instance(
            tmp_path / "b", modules=["icomm"], environ=environ, database_url=database_urls[1]
        ) as b,
    ):
        connect(a, "a", b, "b")
        yield Pair(a, b)


def wait_for(check, timeout: float = 60.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll `check()` until it returns a true value; fail with its last value."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = check()
    assert value, f"not true after {timeout} s: {value!r}"
    return value
