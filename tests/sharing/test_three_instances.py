"""Acceptance: three real instances (`ncen serve`, own data dirs, loopback) — two national
(NL, BE) and the global database. Validated seizures reach the global database automatically
without any nominal value; a person is shared from NL to BE under an agreement, imported
there, and NL sees the receipt; revoked agreements block the next share, on the receiving side
and on the sending side."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.testing.servers import ServedInstance, served_instance
from tests.icomm.instances import ENVIRON, gql, public_key, user, wait_for
from tests.seizures.helpers import CREATE, SUBMIT, VALIDATE, simplified_input
from tests.sharing.test_peer_shares import IMPORT, RECEIVED, SHARE, SHARES
from tests.suspects.helpers import CREATE as CREATE_PERSON
from tests.suspects.helpers import person_input

pytestmark = pytest.mark.slow
MODULES = ["seizures", "suspects", "companies", "icomm"]
GLOBAL = "{ globalRecords { senderCountry recordType sender data } }"
CEN = ("--legal-basis", "WCO CEN data exchange", "--reference", "CEN-2026")
MOU = ("--legal-basis", "Naples II Convention, art. 7", "--reference", "MOU-NL-BE-2026")
# Nominal values entered on the national instances; none may reach the global database.
NAMES = ("Vandenbroucke", "Hieronymus", "Oostkamp", "Zwanenburg")


@dataclass
class Three:
    nl: ServedInstance
    be: ServedInstance
    cen: ServedInstance


def agree(server: ServedInstance, peer: str, *args: str) -> int:
    out = server.ncen("peer", "agree", peer, *args).stdout
    return int(out.split()[1])  # "agreement 3 with nl: ..."


@contextlib.contextmanager
def three_instances(tmp_path: Path, urls: tuple[str | None, ...] = (None,) * 3) -> Iterator[Three]:
    national = {**ENVIRON, "NCEN_SHARING_GLOBAL_EXPORT": "automatic"}
    with (
        served_instance(
            tmp_path / "nl",
            modules=MODULES,
            environ={**national, "NCEN_COUNTRY": "NL"},
            database_url=urls[0],
        ) as nl,
        served_instance(
            tmp_path / "be",
            modules=MODULES,
            environ={**national, "NCEN_COUNTRY": "BE"},
            database_url=urls[1],
        ) as be,
        served_instance(
            tmp_path / "cen",
            modules=MODULES,
            environ={**ENVIRON, "NCEN_COUNTRY": "XG", "NCEN_SHARING_GLOBAL_DATABASE": "true"},
            database_url=urls[2],
        ) as cen,
    ):
        for name, server, country in (("nl", nl, "NL"), ("be", be, "BE")):
            server.ncen("peer", "add", "global", cen.url, "--key", public_key(cen))
            agree(server, "global", *CEN, "--direction", "send")
            cen.ncen(
                "peer", "add", name, server.url, "--key", public_key(server), "--country", country
            )
            agree(cen, name, *CEN, "--direction", "receive")
        nl.ncen("peer", "add", "be", be.url, "--key", public_key(be), "--country", "BE")
        be.ncen("peer", "add", "nl", nl.url, "--key", public_key(nl), "--country", "NL")
        yield Three(nl, be, cen)


def validated_seizure(server: ServedInstance, officer: str, validator: str, name: str) -> str:
    data = simplified_input(narrative=f"The driver {name} hid the bricks behind a false wall.")
    seizure = gql(server, CREATE, {"input": data}, officer)["createSeizure"]
    submitted = gql(server, SUBMIT, {"id": seizure["id"], "v": seizure["version"]}, officer)
    version = submitted["submitSeizure"]["version"]
    gql(server, VALIDATE, {"id": seizure["id"], "v": version}, validator)
    return seizure["id"]


def data_dir_bytes(server: ServedInstance) -> bytes:
    """Every byte the instance keeps under its data dir (database, WAL, search index...)."""
    found = b""
    for path in sorted(Path(server.data_dir).rglob("*")):
        if path.is_file():
            found += path.read_bytes()
    return found


def run_acceptance(three: Three, *, sqlite_files: bool) -> None:
    nl, be, cen = three.nl, three.be, three.cen
    nl_who = {r: user(nl, f"{r}-nl", r) for r in ("officer", "validator")}
    be_who = {r: user(be, f"{r}-be", r) for r in ("officer", "validator")}

    # 1. Validated seizures reach the global database automatically, non-nominal.
    validated_seizure(nl, nl_who["officer"], nl_who["validator"], NAMES[0])
    validated_seizure(be, be_who["officer"], be_who["validator"], NAMES[1])
    analyst = user(cen, "analyst-cen", "analyst")
    records = wait_for(
        lambda: len(found := gql(cen, GLOBAL, token=analyst)["globalRecords"]) == 2 and found
    )
    assert sorted(r["senderCountry"] for r in records) == ["BE", "NL"]
    assert all(r["recordType"] == "Seizure" for r in records)
    assert all("narrative" not in r["data"] for r in records)  # a name in it: never sent
    for name in NAMES[:2]:
        assert name not in str(records)
    if sqlite_files:
        stored = data_dir_bytes(cen)
        for name in NAMES[:2]:
            assert name.encode() not in stored

    # 2. A person is shared from NL to BE under an agreement covering persons, nominal data
    # included, and imported in BE; NL sees the receipt.
    nl_side = agree(nl, "be", *MOU, "--record-type", "Person", "--nominal")
    be_side = agree(be, "nl", *MOU, "--record-type", "Person", "--nominal")
    person = person_input(familyName=NAMES[2], givenNames="Pieter")
    person_id = gql(nl, CREATE_PERSON, {"input": person}, nl_who["officer"])["createPerson"]["id"]
    variables = {"id": person_id, "peer": "be", "n": True}
    share = gql(nl, SHARE, variables, nl_who["officer"])["shareRecord"]
    assert share["agreementReference"] == "MOU-NL-BE-2026"
    [got] = wait_for(lambda: gql(be, RECEIVED, token=be_who["officer"])["receivedShares"])
    assert got["sender"] == "nl" and got["senderCountry"] == "NL"
    assert got["fields"]["familyName"] == NAMES[2]
    assert got["importCheck"]["importable"] is True
    imported = gql(be, IMPORT, {"id": got["id"]}, be_who["officer"])["importReceivedShare"]
    assert imported["record"]["familyName"] == NAMES[2]
    assert imported["record"]["status"] == "DRAFT"

    def sender_statuses() -> list[str]:
        shares = gql(nl, SHARES, {"id": person_id}, nl_who["officer"])["recordShares"]
        return [s["status"] for s in shares]

    wait_for(lambda: sender_statuses() == ["imported"])

    # 3. BE revokes its agreement: the next share is refused there and fails here.
    be.ncen("peer", "revoke", str(be_side))
    gql(nl, SHARE, variables, nl_who["officer"])
    wait_for(lambda: sender_statuses() == ["failed", "imported"])
    assert len(gql(be, RECEIVED, token=be_who["officer"])["receivedShares"]) == 1
    # NL revokes its own: the next share is refused at once, with the field at fault.
    nl.ncen("peer", "revoke", str(nl_side))
    body = _post(nl, SHARE, variables, nl_who["officer"])
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NO_AGREEMENT"
    assert error["extensions"]["field"] == "peer"

    # Nothing of the person reached the global database either.
    assert NAMES[2] not in str(gql(cen, GLOBAL, token=analyst)["globalRecords"])
    if sqlite_files:
        assert NAMES[2].encode() not in data_dir_bytes(cen)
        with sqlite3.connect(Path(be.data_dir) / "ncen.db") as conn:
            actions = {row[0] for row in conn.execute("SELECT action FROM core_audit_event")}
        assert {"sharing.peer_record_received", "sharing.peer_record_imported"} <= actions


def _post(server: ServedInstance, query: str, variables: dict, token: str) -> dict:
    import httpx

    response = httpx.post(
        server.url + "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    return response.json()


def test_three_instances_share_under_agreements(tmp_path):
    with three_instances(tmp_path) as three:
        run_acceptance(three, sqlite_files=True)


@pytest.mark.postgresql
def test_three_instances_on_postgresql(tmp_path):
    from core.testing import throwaway_postgresql

    with throwaway_postgresql(3) as urls, three_instances(tmp_path, tuple(urls)) as three:
        run_acceptance(three, sqlite_files=False)
