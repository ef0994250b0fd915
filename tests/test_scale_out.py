"""Two hosts, one instance: two real `ncen serve` processes with *different* data dirs on one
PostgreSQL database, as several app servers behind a load balancer (docs/deployment.md).

A seizure with a photo written through one server is validated, found by search and its photo
downloaded through the other: search (PostgreSQL full-text) and photos (chunks in the database)
live in the database, sessions too, and nothing of it is on either server's disk.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.testing import throwaway_postgresql
from core.testing.servers import NCEN, ServedInstance, served_instance
from tests.attachment_helpers import jpeg_with_gps
from tests.seizures.helpers import completion, simplified_input

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

PASSWORD = "long-enough-test-password-7301"
# Fast password hashing: these servers only ever see test accounts.
FAST_AUTH = {
    "NCEN_AUTH_ARGON2_TIME_COST": "1",
    "NCEN_AUTH_ARGON2_MEMORY_COST": "8",
    "NCEN_AUTH_ARGON2_PARALLELISM": "1",
}
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
CREATE = "mutation($input: SeizureInput!) { createSeizure(input: $input) { id version } }"
UPDATE = """mutation($id: ID!, $version: Int!, $input: SeizureInput!) {
  updateSeizure(id: $id, version: $version, input: $input) { version } }"""
SUBMIT = "mutation($id: ID!, $v: Int!) { submitSeizure(id: $id, version: $v) { version } }"
VALIDATE = "mutation($id: ID!, $v: Int!) { validateSeizure(id: $id, version: $v) { status } }"
SEARCH = """query($q: String!) { search(query: $q) {
  totalCount edges { node { __typename ... on Seizure { reference
    concealment { photos { id url thumbnailUrl } } } } } } }"""


@pytest.fixture
def database_url() -> Iterator[str]:
    with throwaway_postgresql() as [url]:
        yield url


def gql(server: ServedInstance, query: str, variables: dict[str, Any], token: str = "") -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.url + "/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def create_user(server: ServedInstance, username: str, role: str) -> None:
    subprocess.run(
        [str(NCEN), "user", "create", username, "--role", role, "--password-stdin"],
        env=server.environ,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=True,
    )


def login(server: ServedInstance, username: str) -> str:
    return gql(server, LOGIN, {"u": username, "p": PASSWORD})["login"]["token"]


def files_on_disk(data_dir: Path, folder: str) -> list[Path]:
    root = data_dir / folder
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_two_servers_with_their_own_data_dirs_serve_one_instance(
    database_url: str, tmp_path: Path
) -> None:
    environ = {**FAST_AUTH, "NCEN_OUTBOX_POLL_INTERVAL": "0.2"}
    with (
        served_instance(
            tmp_path / "a", modules=["seizures"], database_url=database_url, environ=environ
        ) as a,
        served_instance(
            tmp_path / "b", modules=["seizures"], database_url=database_url, environ=environ
        ) as b,
    ):
        create_user(a, "officer1", "officer")
        create_user(b, "validator1", "validator")
        create_user(a, "analyst1", "analyst")
        officer = login(a, "officer1")

        # Written through A: a seizure and its concealment photo.
        photo = jpeg_with_gps((96, 64))
        upload = httpx.post(
            a.url + "/attachments",
            files={"file": ("wall.jpg", photo)},
            headers={"authorization": f"Bearer {officer}"},
            timeout=30,
        )
        assert upload.status_code == 201, upload.text
        uploaded = upload.json()
        seizure = gql(a, CREATE, {"input": simplified_input()}, officer)["createSeizure"]
        full = completion()
        full["concealment"] = {**full["concealment"], "photos": [uploaded["id"]]}
        version = gql(a, UPDATE, {"id": seizure["id"], "version": 1, "input": full}, officer)
        submitted = gql(
            a, SUBMIT, {"id": seizure["id"], "v": version["updateSeizure"]["version"]}, officer
        )

        # The session made on A is good on B (sessions live in the database too).
        validator = login(b, "validator1")
        validated = gql(
            b,
            VALIDATE,
            {"id": seizure["id"], "v": submitted["submitSeizure"]["version"]},
            validator,
        )
        assert validated["validateSeizure"]["status"] == "VALIDATED"

        # Found by search through B once validated (drafts are not searchable), photo included.
        analyst = login(a, "analyst1")
        started = time.monotonic()
        while True:
            found = gql(b, SEARCH, {"q": 'cocaine "false wall"'}, analyst)["search"]
            if found["totalCount"] or time.monotonic() - started > 10:
                break
            time.sleep(0.05)
        assert found["totalCount"] == 1, found
        photos = found["edges"][0]["node"]["concealment"]["photos"]
        assert [p["id"] for p in photos] == [uploaded["id"]]

        headers = {"authorization": f"Bearer {analyst}"}
        from_b = httpx.get(b.url + photos[0]["url"], headers=headers, timeout=30)
        assert from_b.status_code == 200
        assert from_b.headers["content-type"] == "image/jpeg"
        assert int(from_b.headers["content-length"]) == uploaded["size"] == len(from_b.content)
        from_a = httpx.get(a.url + photos[0]["url"], headers=headers, timeout=30)
        assert from_a.content == from_b.content
        thumb = httpx.get(b.url + photos[0]["thumbnailUrl"], headers=headers, timeout=30)
        assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
        # Not for someone without the right to see the seizure, on either server.
        assert httpx.get(b.url + photos[0]["url"], timeout=30).status_code == 401

        # Neither server keeps the index or the photos on its own disk.
        for server in (a, b):
            assert files_on_disk(server.data_dir, "attachments") == []
            assert files_on_disk(server.data_dir, "search") == []
