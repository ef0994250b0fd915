"""The canary test for shares with a connected national instance: records of every module
entered through the API with a unique canary in every nominal field and free text (and in a
test plugin's nominal extension field and a photo's file name), shared **without** nominal data
under an agreement, over the real transport (signed envelopes, receipts). No canary may appear
in any byte the receiving instance is sent or keeps: the requests it receives, its database,
audit log, search index and files, and what its users read of the received shares.

(`test_canary.py` proves the projection itself for generated records, including the share body
and its signed envelope; this proves the path end to end.)"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.sharing.models import PeerRecord
from core.sharing.payload import canonical_json
from core.testing import login_as
from core.web import create_app
from tests.sharing.canary_plugin import CanaryCountryModule
from tests.sharing.peer_pair import agree, connected
from tests.sharing.test_canary_end_to_end import Canaries, enter_canary_records
from tests.sharing.test_peer_shares import RECEIVED, SHARE, SHARES, wait_for

MODULES = ["seizures", "suspects", "companies", "icomm", "canaryland"]
TYPES = ("Seizure", "Person", "Company")


async def test_non_nominal_shares_carry_no_canary_to_the_peer(database_url, tmp_path):
    async with connected(database_url, tmp_path, MODULES, [CanaryCountryModule()]) as pair:
        nl, be = pair.nl, pair.be
        nl_who, be_who = pair.tokens["nl"], pair.tokens["be"]
        received: list[bytes] = []

        async def capture(request: httpx.Request) -> None:
            received.append(await request.aread())

        nl.instance.state["icomm.http_client"] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(be.instance)),
            base_url="http://be.test",
            event_hooks={"request": [capture]},
        )
        await agree(nl, "be", "MOU-NN", record_types=TYPES, nominal=False)
        await agree(be, "nl", "MOU-NN", record_types=TYPES, nominal=False)
        canary = Canaries()
        ids = await enter_canary_records(nl, nl_who, canary)
        await nl.gql(
            "mutation($p: ID!) { checkPhoto(photoId: $p, showsNoPerson: true) { photoId } }",
            {"p": ids[3]},
            token=nl_who["validator"],
        )
        for gid in ids[:3]:
            await nl.gql(SHARE, {"id": gid, "peer": "be", "n": False}, token=nl_who["officer"])

        async def delivered() -> bool:
            body = await nl.gql(SHARES, token=nl_who["officer"])
            return [s["status"] for s in body["data"]["recordShares"]] == ["delivered"] * 3

        await wait_for(delivered, 30)
        await be.instance.outbox.settle()  # the receiver's search index and events are written

        response = await be.client.post(
            "/graphql",
            json={"query": RECEIVED},
            headers={"authorization": f"Bearer {be_who['officer']}"},
        )
        shares = response.json()["data"]["receivedShares"]
        assert sorted(s["recordType"] for s in shares) == sorted(TYPES)
        assert all(s["fields"] is None and s["sharedBy"] is None for s in shares)
        seizure = next(s for s in shares if s["recordType"] == "Seizure")
        assert seizure["data"]["extensions"] == {"customsRegion": "north"}
        assert [p["id"] for p in seizure["data"]["photos"]] == [ids[3]]
        # The checked photo came with it (re-encoded by the receiver's store), its name did not.
        [photo] = seizure["photos"]
        download = await be.client.get(
            photo["url"], headers={"authorization": f"Bearer {be_who['officer']}"}
        )
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith("image/") and download.content
        received.append(download.content)
        admin = await login_as(be, "admin-be", "admin")  # no view permission: no photo
        refused = await be.client.get(photo["url"], headers={"authorization": f"Bearer {admin}"})
        assert refused.status_code in (403, 404)
        assert all(s["photos"] == [] for s in shares if s["recordType"] != "Seizure")
        received.append(response.content)

        async with be.instance.db.session() as session:
            received += [canonical_json(r.data) for r in await session.scalars(select(PeerRecord))]
            received += [
                canonical_json(e.detail or {}) for e in await session.scalars(select(AuditEvent))
            ]
        await nl.instance.state.pop("icomm.http_client").aclose()

    # Every byte the receiving instance keeps: database (and WAL), search index, files.
    held = [p.read_bytes() for p in (tmp_path / "be").rglob("*") if p.is_file()]
    if (tmp_path / "be.db").exists():
        held.append((tmp_path / "be.db").read_bytes())
    assert len(received) > 3 and len(canary.values) > 25
    assert any(b"cocaine" in blob for blob in received)  # what was shared is there to be read
    for blob in [*received, *held]:
        for value in canary.values:
            assert value.encode() not in blob, f"canary {value} reached the peer"
