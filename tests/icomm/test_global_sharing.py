"""icomm's transport carries the sharing of records (core/sharing) between real instances: a
national instance validates a seizure, its export reaches the global database over signed
envelopes, the receipt acknowledges it; a second delivery stores nothing twice."""

from __future__ import annotations

import sqlite3

import pytest

from core.testing.servers import served_instance
from tests.icomm.instances import ENVIRON, gql, public_key, user, wait_for
from tests.seizures.helpers import CREATE, SUBMIT, VALIDATE, simplified_input

pytestmark = pytest.mark.slow
RECORDS = "{ globalRecords { senderCountry recordType sender } }"


def export_statuses(data_dir) -> list[str]:
    with sqlite3.connect(data_dir / "ncen.db") as conn:
        return [row[0] for row in conn.execute("SELECT status FROM core_sharing_export")]


def test_a_validated_seizure_reaches_the_global_database_through_icomm(tmp_path):
    national_env = {**ENVIRON, "NCEN_COUNTRY": "NL", "NCEN_SHARING_GLOBAL_EXPORT": "automatic"}
    global_env = {**ENVIRON, "NCEN_COUNTRY": "XG", "NCEN_SHARING_GLOBAL_DATABASE": "true"}
    modules = ["seizures", "icomm"]
    with (
        served_instance(tmp_path / "nl", modules=modules, environ=national_env) as nl,
        served_instance(tmp_path / "global", modules=modules, environ=global_env) as cen,
    ):
        basis = ("--legal-basis", "WCO CEN data exchange", "--reference", "CEN-2026")
        nl.ncen("peer", "add", "global", cen.url, "--key", public_key(cen))
        nl.ncen("peer", "agree", "global", *basis, "--direction", "send")
        cen.ncen("peer", "add", "nl", nl.url, "--key", public_key(nl), "--country", "NL")
        cen.ncen("peer", "agree", "nl", *basis, "--direction", "receive")

        officer = user(nl, "officer1", "officer")
        validator = user(nl, "validator1", "validator")
        seizure = gql(nl, CREATE, {"input": simplified_input()}, officer)["createSeizure"]
        submitted = gql(nl, SUBMIT, {"id": seizure["id"], "v": seizure["version"]}, officer)
        version = submitted["submitSeizure"]["version"]
        gql(nl, VALIDATE, {"id": seizure["id"], "v": version}, validator)

        analyst = user(cen, "analyst1", "analyst")
        received = wait_for(lambda: gql(cen, RECORDS, token=analyst)["globalRecords"])
        assert received == [{"senderCountry": "NL", "recordType": "Seizure", "sender": "nl"}]
        wait_for(lambda: export_statuses(nl.data_dir) == ["acknowledged"])

        # Dispatching again sends nothing already acknowledged: still one record there.
        nl.ncen("sharing", "dispatch")
        assert len(gql(cen, RECORDS, token=analyst)["globalRecords"]) == 1
