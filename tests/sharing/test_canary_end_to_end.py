"""The canary test end to end: records of every module entered through the API with a unique
canary in every nominal field and free text (and in a test plugin's nominal extension field and
a photo's file name), validated and exported automatically; no canary in any byte that leaves:
previews, the export log, what the global peer's sender is handed, batch files, the CLI."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile

from click.testing import CliRunner
from sqlalchemy import select
from strawberry import relay

from core.cli import cli
from core.codelists.sync import sync_code_lists
from core.config import BUILTIN_MODULES, SharingSettings
from core.sharing.exports import acknowledge, set_global_sender
from core.sharing.models import ExportEntry
from core.sharing.payload import canonical_json
from core.sharing.received import receive_global
from core.testing import login_as, make_config, start_app
from tests.attachment_helpers import image_bytes
from tests.seizures.helpers import completion, simplified_input
from tests.sharing.canary_plugin import CanaryCountryModule
from tests.sharing.helpers import PREVIEW, RecordingSender

TYPES = ("Seizure", "Person", "Company")


class Canaries:
    def __init__(self) -> None:
        self.values: list[str] = []

    def __call__(self, kind: str = "text") -> str:
        token = uuid.uuid4().hex[:10].upper()
        value = {
            "text": f"Canary{token}",
            "document": f"CN{token}",
            "email": f"canary{token.lower()}@example.org",
            "phone": f"+44 79{int(token, 16) % 10**8:08d}",
        }[kind]
        self.values.append(value if kind != "phone" else value.replace(" ", "")[3:])
        return value


async def write(app, token, entity, data):
    create = f"mutation($i: {entity}Input!) {{ create{entity}(input: $i) {{ id version }} }}"
    created = (await app.gql(create, {"i": data}, token=token["officer"]))["data"][
        f"create{entity}"
    ]
    submit = (
        f"mutation($id: ID!, $v: Int!) {{ submit{entity}(id: $id, version: $v) {{ version }} }}"
    )
    version = (
        await app.gql(
            submit, {"id": created["id"], "v": created["version"]}, token=token["officer"]
        )
    )["data"][f"submit{entity}"]["version"]
    validate = (
        f"mutation($id: ID!, $v: Int!) {{ validate{entity}(id: $id, version: $v) {{ version }} }}"
    )
    await app.gql(validate, {"id": created["id"], "v": version}, token=token["validator"])
    return created["id"]


async def national_app(make_app):
    app = await make_app(
        modules=[*(m for m in BUILTIN_MODULES if m != "update_manager"), "canaryland"],
        extra_modules=[CanaryCountryModule()],
        sharing=SharingSettings(global_export="automatic", global_types=TYPES),
    )
    await sync_code_lists(app.instance)
    who = {
        "officer": await login_as(app, "officer1", "officer"),
        "validator": await login_as(app, "validator1", "validator"),
    }
    return app, who


async def enter_canary_records(app, who, canary: Canaries) -> tuple[str, str, str, str]:
    """A seizure, a person and a company with a canary in every nominal field and free text,
    submitted and validated; return their ids and the seizure's photo id."""
    upload = await app.client.post(
        "/attachments",
        files={"file": (f"{canary()}.png", image_bytes("PNG"))},
        headers={"authorization": f"Bearer {who['officer']}"},
    )
    photo = upload.json()["id"]
    seizure = simplified_input(**completion())
    seizure["narrative"] = f"The driver {canary()} fled."
    seizure["internalNotes"] = canary()
    seizure["concealment"] = {**seizure["concealment"], "description": canary(), "photos": [photo]}
    seizure["goods"][0]["description"] = canary()
    seizure["extra"] = {"informantCode": canary(), "remarks": canary(), "customsRegion": "north"}
    seizure_id = await write(app, who, "Seizure", seizure)

    person = {
        "category": "SUSPECT",
        "familyName": canary(),
        "givenNames": canary(),
        "originalScriptName": canary(),
        "transliteration": canary(),
        "aliases": [canary()],
        "dateOfBirth": "1931-07-19",
        "birthPlace": canary(),
        "gender": "male",
        "documents": [{"type": "passport", "number": canary("document"), "issuingCountry": "jo"}],
        "addresses": [
            {"line": canary(), "city": canary(), "postalCode": canary(), "country": "JO"}
        ],
        "phones": [canary("phone")],
        "email": canary("email"),
        "occupation": canary(),
        "assessment": canary(),
    }
    canary.values.append("1931-07-19")
    person_id = await write(app, who, "Person", person)

    company = {
        "legalName": canary(),
        "tradeNames": [canary()],
        "country": "gb",
        "roles": ["importer"],
        "identifiers": [{"scheme": "eori", "value": f"GB{uuid.uuid4().int % 10**12:012d}"}],
        "addresses": [
            {"kind": "registered", "street": canary(), "postcode": canary(), "country": "GB"}
        ],
        "contacts": [{"kind": "email", "value": canary("email"), "note": canary()}],
        "assessmentNotes": canary(),
        "extra": {"informantCode": canary(), "remarks": canary()},
    }
    canary.values.append(company["identifiers"][0]["value"])
    company_id = await write(app, who, "Company", company)
    return seizure_id, person_id, company_id, photo


async def test_canaries_end_to_end(make_app, tmp_path):
    app, who = await national_app(make_app)
    sender = RecordingSender()
    set_global_sender(app.instance, sender)
    canary = Canaries()
    seizure_id, person_id, company_id, photo = await enter_canary_records(app, who, canary)
    await app.instance.outbox.settle()

    # A validator checks the photo as showing no person: it travels, its file name does not.
    await app.gql(
        "mutation($p: ID!) { checkPhoto(photoId: $p, showsNoPerson: true) { photoId } }",
        {"p": photo},
        token=who["validator"],
    )

    produced: list[bytes] = []
    for gid in (seizure_id, person_id, company_id):
        response = await app.client.post(
            "/graphql",
            json={"query": PREVIEW, "variables": {"id": gid}},
            headers={"authorization": f"Bearer {who['validator']}"},
        )
        assert "errors" not in response.json(), response.text
        produced.append(response.content)
    preview = json.loads(produced[0])["data"]["cenPreview"]
    assert [p["id"] for p in preview["data"]["photos"]] == [photo]
    assert preview["data"]["extensions"] == {"customsRegion": "north"}

    async with app.instance.db.session() as session:
        entries = list(await session.scalars(select(ExportEntry)))
    assert sorted(e.entity_type for e in entries) == sorted(TYPES)
    produced += [canonical_json(e.payload) for e in entries]
    produced += [canonical_json(d.payload) for d in sender.deliveries]
    assert len(sender.deliveries) == 3

    env = {
        "NCEN_DATA_DIR": str(app.instance.config.data_dir),
        "NCEN_DATABASE_URL": app.instance.config.database_url,
        "NCEN_MODULES": "seizures,suspects,companies",
        "NCEN_SHARING_GLOBAL_TYPES": ",".join(TYPES),
    }
    runner = CliRunner()
    for out, fmt in ((tmp_path / "b.xlsx", "xlsx"), (tmp_path / "b.zip", "csv")):
        result = await asyncio.to_thread(
            runner.invoke,
            cli,
            ["sharing", "batch-file", str(out), "--format", fmt],
            env=env,
            obj={},
        )
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        produced.append(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            produced += [archive.read(name) for name in archive.namelist()]
    for entity, gid in (("Seizure", seizure_id), ("Person", person_id), ("Company", company_id)):
        number = relay.GlobalID.from_id(gid).node_id
        result = await asyncio.to_thread(
            runner.invoke, cli, ["sharing", "preview", entity, number], env=env, obj={}
        )
        assert result.exit_code == 0, result.output
        produced.append(result.output.encode())

    assert len(canary.values) > 25
    for blob in produced:
        for value in canary.values:
            assert value.encode() not in blob, f"canary {value} leaked"


class LoopbackSender:
    """Stands in for icomm's transport between two instances in one process: hands each payload,
    as the bytes that would travel, to the global instance's `receive_global`."""

    def __init__(self, global_instance, peer: str, country: str) -> None:
        self.global_instance, self.peer, self.country = global_instance, peer, country
        self.receipts: list[int] = []

    async def send(self, delivery) -> None:
        wire = canonical_json(delivery.payload)
        await receive_global(
            self.global_instance, json.loads(wire), sender=self.peer, sender_country=self.country
        )
        self.receipts.append(delivery.entry_id)


async def test_validated_records_reach_the_global_instance_without_any_canary(make_app, tmp_path):
    app, who = await national_app(make_app)
    home = tmp_path / "global"
    global_app = await start_app(
        make_config(
            f"sqlite+aiosqlite:///{home}/ncen.db",
            home,
            ["seizures", "suspects", "companies"],
            country="XG",
            sharing=SharingSettings(global_database=True),
        )
    )
    try:
        sender = LoopbackSender(global_app.instance, "xx-customs", app.instance.config.country)
        set_global_sender(app.instance, sender)
        canary = Canaries()
        await enter_canary_records(app, who, canary)
        await app.instance.outbox.settle()
        for entry_id in sender.receipts:  # the receipts come back: acknowledged
            await acknowledge(app.instance, entry_id)

        async with app.instance.db.session() as session:
            statuses = sorted(
                (e.entity_type, e.status) for e in await session.scalars(select(ExportEntry))
            )
        assert statuses == [(t, "acknowledged") for t in sorted(TYPES)]
        analyst = await login_as(global_app, "analyst1", "analyst")
        body = await global_app.gql(
            "{ globalRecords { senderCountry recordType data } }", token=analyst
        )
        received = body["data"]["globalRecords"]
        assert sorted(r["recordType"] for r in received) == sorted(TYPES)
        assert {r["senderCountry"] for r in received} == {app.instance.config.country}
    finally:
        await global_app.close()

    # Every byte the global instance holds: database (and its WAL), audit, search index, keys.
    held = [path.read_bytes() for path in home.rglob("*") if path.is_file()]
    assert held and len(canary.values) > 25
    assert any(b"cocaine" in blob for blob in held)  # what was received is there to be read
    for blob in held:
        for value in canary.values:
            assert value.encode() not in blob, f"canary {value} reached the global instance"
