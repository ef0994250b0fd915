"""An import job survives the server running it: a real `ncen serve` killed in the middle of
the write pass, started again, goes on after the rows already written, and nothing is written
twice (a file without a key column: only the job's progress can tell where to go on)."""

from __future__ import annotations

import csv
import io
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.testing import throwaway_postgresql
from core.testing.servers import NCEN, ServedInstance, served_instance

pytestmark = [pytest.mark.slow]

PASSWORD = "long-enough-test-password-7301"
ENVIRON = {
    "NCEN_AUTH_ARGON2_TIME_COST": "1",
    "NCEN_AUTH_ARGON2_MEMORY_COST": "8",
    "NCEN_AUTH_ARGON2_PARALLELISM": "1",
    # A job whose runner is not heard of for 4 s is taken over (the default is a minute).
    "NCEN_OUTBOX_LEASE_SECONDS": "4",
}
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
JOB = """query($id: Int!) { importJob(id: $id) {
  status rows created updated unchanged errors message attempts } }"""
ROWS = 4000
HEADER = [
    "seizureDate",
    "place.country",
    "area",
    "detectionMethod",
    "goods[0].commodity",
    "goods[0].quantity",
    "goods[0].unit",
]


def _gql(server: ServedInstance, query: str, variables: dict[str, Any], token: str = "") -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        server.url + "/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    ).json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def _register() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(ROWS):
        day = 1 + n % 28
        writer.writerow(
            [f"2026-02-{day:02d}", "NL", "drugs", "xray_scanner", "cocaine", n + 1, "KGM"]
        )
    return out.getvalue().encode()


def _cases(server: ServedInstance, token: str) -> int:
    """Seizures in the database (the importer's drafts are theirs to see)."""
    return _gql(server, "{ seizures(first: 1) { totalCount } }", {}, token)["seizures"][
        "totalCount"
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with throwaway_postgresql() as [url]:
        yield url


def test_a_job_killed_while_writing_goes_on_after_a_restart(
    tmp_path: Path, database_url: str | None
) -> None:
    with served_instance(
        tmp_path / "a", modules=["seizures"], database_url=database_url, environ=ENVIRON
    ) as server:
        subprocess.run(
            [str(NCEN), "user", "create", "officer1", "--role", "officer", "--password-stdin"],
            env=server.environ,
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        token = _gql(server, LOGIN, {"u": "officer1", "p": PASSWORD})["login"]["token"]
        posted = httpx.post(
            server.url + "/imports/seizures",
            params={"format": "csv"},
            files={"file": ("register.csv", _register())},
            headers={"authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert posted.status_code == 202, posted.text
        job_id = posted.json()["id"]

        # Killed (SIGKILL: no shutdown) once some chunks of the write pass are committed.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = _gql(server, JOB, {"id": job_id}, token)["importJob"]
            if job["status"] != "running" or job["rows"] > 0:
                break
            time.sleep(0.05)
        server.kill()
        assert job["status"] == "running" and 0 < job["rows"] < ROWS, job

        server.start()
        assert _cases(server, token) >= job["rows"]  # a chunk may have committed since the poll
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = _gql(server, JOB, {"id": job_id}, token)["importJob"]
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.25)
        assert job["status"] == "done", job
        assert (job["rows"], job["created"], job["errors"]) == (ROWS, ROWS, 0), job
        assert job["attempts"] == 2
        assert _cases(server, token) == ROWS  # each row once
        assert not list((server.data_dir / "exchange").glob(f"import-{job_id}.*"))  # upload gone
