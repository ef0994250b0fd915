"""The example operations in graphql/operations/ run against demo data, so none can rot.

Each `<folder>/<Name>.graphql` holds one documented operation named after its file, and its
example variables in `<Name>.json`. The scenario below runs every one of them in the order a
frontend would (sign in, read, create, submit, validate...), as the role the operation is
for, with its example variables; where an example names a record the scenario created, the
record's actual id and version replace the example's. The last check fails for an operation
that no step ran.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLNonNull,
    OperationDefinitionNode,
    parse,
    type_from_ast,
    validate,
)

from core.codelists.sync import sync_code_lists
from core.config import BUILTIN_MODULES, Config
from core.instance import Instance
from core.plugins import call_event
from core.testing import TestApp, create_user

REPO = Path(__file__).resolve().parent.parent
OPERATIONS_DIR = REPO / "graphql" / "operations"
OPERATIONS = {
    path.relative_to(OPERATIONS_DIR).with_suffix("").as_posix(): path
    for path in sorted(OPERATIONS_DIR.rglob("*.graphql"))
}
DOCS = REPO / "docs" / "graphql.md"
ROLES = ("officer", "validator", "analyst", "auditor", "admin")
DEMO_SIZE = 20  # records per module: enough for every list and filter below to find some


def document_of(name: str) -> str:
    return OPERATIONS[name].read_text(encoding="utf-8")


def example_variables(name: str) -> dict[str, Any]:
    path = OPERATIONS[name].with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def the_operation(name: str) -> OperationDefinitionNode:
    operations = [
        d for d in parse(document_of(name)).definitions if isinstance(d, OperationDefinitionNode)
    ]
    assert len(operations) == 1, f"{name}: one operation per file"
    return operations[0]


# --- without a database --------------------------------------------------------------------


def test_every_module_and_core_service_has_operations() -> None:
    folders = {name.split("/")[0] for name in OPERATIONS}
    assert folders == {"core", "seizures", "suspects", "companies", "icomm", "intelligence"}
    assert len(OPERATIONS) >= 40


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_is_documented_named_and_valid(name: str, tmp_path: Path) -> None:
    document = document_of(name)
    assert document.startswith("# "), f"{name}: say what it is for in a leading comment"
    operation = the_operation(name)
    assert operation.name is not None and operation.name.value == name.split("/")[-1], (
        f"{name}: the operation is named after its file"
    )
    schema = schema_with_every_module(tmp_path)
    assert validate(schema._schema, parse(document)) == []

    declared = {d.variable.name.value: d for d in operation.variable_definitions or ()}
    examples = example_variables(name)
    assert set(examples) <= set(declared), f"{name}.json names variables the operation lacks"
    for variable, definition in declared.items():
        kind = type_from_ast(schema._schema, definition.type)
        if isinstance(kind, GraphQLNonNull) and definition.default_value is None:
            assert variable in examples, f"{name}.json: give an example for ${variable}"


def test_docs_list_every_operation() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in OPERATIONS if f"`{name}`" not in text]
    assert missing == [], f"docs/graphql.md does not list {missing}"


_SCHEMAS: dict[str, Any] = {}


def schema_with_every_module(tmp_path: Path) -> Any:
    if "schema" not in _SCHEMAS:
        config = Config(
            data_dir=tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
            modules=BUILTIN_MODULES,
        )
        _SCHEMAS["schema"] = Instance(config).schema
    return _SCHEMAS["schema"]


# --- the scenario ------------------------------------------------------------------------------


@dataclass
class Scenario:
    app: TestApp
    passwords: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    ran: set[str] = field(default_factory=set)

    async def run(self, name: str, as_role: str | None = None, **overrides: Any) -> dict:
        """Run an example operation with its example variables (some replaced); fail on any
        error; return its data."""
        variables = {**example_variables(name), **overrides}
        token = self.tokens[as_role] if as_role else None
        body = await self.app.gql(document_of(name), variables, token=token)
        self.ran.add(name)
        assert body["data"], f"{name} returned no data"
        return body["data"]


async def demo_scenario(make_app) -> Scenario:
    app = await make_app()  # every built-in module
    await sync_code_lists(app.instance)  # as `ncen init` does
    passwords = {role: await create_user(app, role, role) for role in ROLES}
    # Loaded after the accounts exist, as `ncen init --demo` does: officer enters the demo
    # records and validator validates them.
    await call_event(app.instance.pm, "load_demo_data", instance=app.instance, size=DEMO_SIZE)
    await app.instance.search.reindex()
    return Scenario(app, passwords)


def edges(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]]


async def test_every_operation_runs_on_demo_data(make_app) -> None:
    s = await demo_scenario(make_app)

    # Anyone: what the instance is, and reference data for forms.
    assert (await s.run("core/Health"))["health"]["ok"] is True
    assert len((await s.run("core/Modules"))["modules"]) == len(BUILTIN_MODULES)
    lists = {item["name"] for item in (await s.run("core/CodeLists"))["codeLists"]}
    assert {"countries", "units", "seizures_commodities"} <= lists
    code_list = (await s.run("core/CodeList"))["codeList"]
    assert (code_list["language"], code_list["requestedLanguage"]) == ("fr", "fr")
    assert {"code": "cocaine", "label": "Cocaïne"}.items() <= next(
        e for e in code_list["entries"] if e["code"] == "cocaine"
    ).items()
    form = (await s.run("core/FormSchema"))["formSchema"]
    assert form["language"] == "fr" and any(f["name"] == "seizureDate" for f in form["fields"])

    # Sign in; the other roles sign in the same way.
    login = await s.run("core/Login", username="officer", password=s.passwords["officer"])
    s.tokens["officer"] = login["login"]["token"]
    for role in ROLES[1:]:
        data = await s.run("core/Login", username=role, password=s.passwords[role])
        s.tokens[role] = data["login"]["token"]
    me = (await s.run("core/Me", "officer"))["me"]
    assert me["user"]["username"] == "officer" and "seizures.edit" in me["permissions"]

    # Intelligence: a watch list for the analysts, watching a term the seizure below will hold.
    watch = (await s.run("intelligence/CreateWatchList", "analyst"))["createWatchList"]
    assert watch["sharing"] == "INSTANCE" and watch["canEdit"]
    entry = (await s.run("intelligence/AddWatchListEntry", "analyst", watchList=watch["id"]))[
        "addWatchListEntry"
    ]
    assert entry["label"] == "refrigeration unit"
    lists = (await s.run("intelligence/WatchLists", "analyst"))["watchLists"]
    assert [w["entryCount"] for w in lists] == [1]
    changed = await s.run("intelligence/UpdateWatchList", "analyst", id=watch["id"])
    assert changed["updateWatchList"]["validUntil"] is None
    imported = await s.run("intelligence/ImportWatchListEntries", "analyst", watchList=watch["id"])
    assert imported["importWatchListEntries"]["added"] == 2
    saved = (await s.run("intelligence/SaveSearch", "analyst"))["saveSearch"]
    assert saved["lastRunAt"] and saved["alertOnNewData"]

    # Seizures: lists, one record, any record by id.
    listed = (await s.run("seizures/Seizures", "analyst"))["seizures"]
    assert listed["totalCount"] > 0
    assert {(n["status"], n["area"]) for n in edges(listed)} == {("VALIDATED", "drugs")}
    page2 = await s.run(
        "seizures/Seizures", "analyst", first=1, after=None, filter=None
    )  # paging: the next page starts after the cursor
    cursor = page2["seizures"]["pageInfo"]["endCursor"]
    following = await s.run("seizures/Seizures", "analyst", first=1, after=cursor, filter=None)
    assert edges(following["seizures"]) != edges(page2["seizures"])
    first = (await s.run("seizures/Seizure", "officer"))["seizure"]
    assert first["reference"] == "XX-2025-000001"
    node = (await s.run("core/Node", "officer", id=first["id"]))["node"]
    assert node["__typename"] == "Seizure" and node["reference"] == "XX-2025-000001"
    await s.run("seizures/ConcealmentGallery", "analyst")

    # The seizure workflow: create, update, submit, validate; return; delete a draft.
    created = (await s.run("seizures/CreateSeizure", "officer"))["createSeizure"]
    assert created["status"] == "DRAFT" and created["missingFields"]
    ids = {"id": created["id"]}
    updated = (await s.run("seizures/UpdateSeizure", "officer", **ids, version=1))["updateSeizure"]
    assert updated["concealment"]["method"] == "container_structure"
    submitted = (
        await s.run("seizures/SubmitSeizure", "officer", **ids, version=updated["version"])
    )["submitSeizure"]
    assert submitted["status"] == "SUBMITTED"
    validated = (
        await s.run("seizures/ValidateSeizure", "validator", **ids, version=submitted["version"])
    )["validateSeizure"]
    assert validated["status"] == "VALIDATED"
    checked = (await s.run("core/CheckFreeText", "validator", **ids))["checkFreeText"]
    assert checked["path"] == "narrative"
    preview = (await s.run("core/CenPreview", "validator", **ids))["cenPreview"]
    assert preview["data"]["narrative"] == checked["text"]
    assert "internalNotes" not in preview["data"]
    assert (await s.run("core/GlobalExports", "validator"))["globalExports"] == []  # mode off
    free = (await s.run("core/FreeTexts", "validator", **ids))["freeTexts"]
    assert {"path": "narrative", "checkHolds": True} in [
        {k: t[k] for k in ("path", "checkHolds")} for t in free
    ]
    assert (await s.run("core/GlobalRecords", "analyst"))["globalRecords"] == []  # national
    other = (await s.run("seizures/CreateSeizure", "officer"))["createSeizure"]
    other = (await s.run("seizures/SubmitSeizure", "officer", id=other["id"], version=1))[
        "submitSeizure"
    ]
    returned = await s.run(
        "seizures/ReturnSeizure", "validator", id=other["id"], version=other["version"]
    )
    assert returned["returnSeizure"]["status"] == "RETURNED"
    draft = (await s.run("seizures/CreateSeizure", "officer"))["createSeizure"]
    deleted = await s.run("seizures/DeleteSeizure", "officer", id=draft["id"], version=1)
    assert deleted["deleteSeizure"] == {"id": draft["id"], "entityType": "Seizure"}

    # Data exchange.
    chart = (await s.run("core/Statistics", "analyst"))["statistics"]
    assert chart["total"] > 0 and all(len(b["keys"]) == 2 for b in chart["buckets"])
    bulk = (await s.run("core/BulkUpsert", "officer"))["bulkUpsert"]
    assert [r["status"] for r in bulk["results"]] == ["CREATED", "INVALID"]
    again = (await s.run("core/BulkUpsert", "officer"))["bulkUpsert"]
    assert again["replayed"] and again["results"] == bulk["results"]
    # The updated seizure's narrative names the watched term: an alert, judged.
    await s.app.instance.outbox.settle()
    alerts = edges((await s.run("intelligence/Alerts", "analyst"))["alerts"])
    [alert] = [a for a in alerts if a["recordId"] == created["id"]]
    assert alert["explanation"][0]["feature"] == "term"
    assert alert["matchedFields"] == ["text"]
    judged = (await s.run("intelligence/JudgeAlert", "analyst", id=alert["id"]))["judgeAlert"]
    assert judged["status"] == "MATCH"
    from plugins.intelligence.searches import run_all

    assert await run_all(s.app.instance) >= 1  # the validated seizure's "reefer container"
    [search] = (await s.run("intelligence/SavedSearches", "analyst"))["savedSearches"]
    assert created["id"] in {a["recordId"] for a in search["alerts"]}

    # Suspects.
    persons = (await s.run("suspects/Persons", "officer"))["persons"]
    assert persons["totalCount"] > 0
    assert {n["category"] for n in edges(persons)} == {"SUSPECT"}
    person = (await s.run("suspects/Person", "officer"))["person"]
    assert person["familyName"]
    duplicates = await s.run("suspects/PossiblePersonDuplicates", "officer")  # Person's name
    assert person["id"] in {d["person"]["id"] for d in duplicates["possiblePersonDuplicates"]}
    new = (await s.run("suspects/CreatePerson", "officer"))["createPerson"]
    pid = {"id": new["id"]}
    new = (await s.run("suspects/UpdatePerson", "officer", **pid, version=1))["updatePerson"]
    assert new["aliases"] == ["Paulo"]
    new = (await s.run("suspects/SubmitPerson", "officer", **pid, version=new["version"]))[
        "submitPerson"
    ]
    new = (await s.run("suspects/ValidatePerson", "validator", **pid, version=new["version"]))[
        "validatePerson"
    ]
    assert new["status"] == "VALIDATED"
    twin = await s.run(
        "suspects/CreatePerson",
        "officer",
        input={**example_variables("suspects/CreatePerson")["input"], "documents": []},
    )
    assert twin["createPerson"]["possibleDuplicates"], "the person created above is found"
    twin_id = twin["createPerson"]["id"]
    twin = (await s.run("suspects/SubmitPerson", "officer", id=twin_id, version=1))["submitPerson"]
    returned = await s.run(
        "suspects/ReturnPerson", "validator", id=twin_id, version=twin["version"]
    )
    assert returned["returnPerson"]["workflowComment"] == "Add the passport expiry date."
    assert (await s.run("suspects/ErasePerson", "validator", id=twin_id))["erasePerson"]
    conveyances = (await s.run("suspects/Conveyances", "officer"))["conveyances"]
    assert {n["kind"] for n in edges(conveyances)} <= {"VEHICLE", "CONTAINER"}
    vehicle = (await s.run("suspects/CreateConveyance", "officer"))["createConveyance"]
    assert vehicle["__typename"] == "Vehicle"

    matches = (await s.run("intelligence/Matches", "officer", id=person["id"]))["matches"]
    assert all(m["record"]["id"] == m["recordId"] for m in matches)

    # Companies.
    companies = (await s.run("companies/Companies", "analyst"))["companies"]
    assert all("importer" in n["roles"] for n in edges(companies))
    company = (await s.run("companies/Company", "analyst"))["company"]
    assert company["legalName"]
    made = (await s.run("companies/CreateCompany", "officer"))["createCompany"]
    cid = {"id": made["id"]}
    made = (await s.run("companies/UpdateCompany", "officer", **cid, version=1))["updateCompany"]
    assert made["hsChapters"] == ["61", "62"]
    made = (await s.run("companies/SubmitCompany", "officer", **cid, version=made["version"]))[
        "submitCompany"
    ]
    made = (await s.run("companies/ValidateCompany", "validator", **cid, version=made["version"]))[
        "validateCompany"
    ]
    assert made["status"] == "VALIDATED"
    second = await s.run(
        "companies/CreateCompany",
        "officer",
        input={**example_variables("companies/CreateCompany")["input"], "legalName": "Rouen SAS"},
    )
    second_id = second["createCompany"]["id"]
    second = (await s.run("companies/SubmitCompany", "officer", id=second_id, version=1))[
        "submitCompany"
    ]
    returned = await s.run(
        "companies/ReturnCompany", "validator", id=second_id, version=second["version"]
    )
    assert returned["returnCompany"]["status"] == "RETURNED"

    # Cross-referencing a database (`ncen xref companies`), then its stored pairs.
    from plugins.intelligence.xref import xref

    await xref(s.app.instance, "companies")
    await s.run("intelligence/XrefMatches", "analyst", filter={"module": "companies"})
    await s.run("intelligence/RemoveWatchListEntry", "analyst", id=entry["id"])
    assert (await s.run("intelligence/DeleteWatchList", "analyst", id=watch["id"]))[
        "deleteWatchList"
    ]

    # Links between modules, and the history of a record.
    link = {"source": first["id"], "relation": "courier", "target": person["id"]}
    linked = (await s.run("core/Link", "officer", input={**link, "note": "suitcase"}))["link"]
    assert (linked["relation"], linked["entity"]["id"]) == ("courier", person["id"])
    links = (await s.run("core/Links", "officer", id=first["id"]))["node"]["links"]
    assert [(x["relation"], x["entity"]["id"]) for x in links] == [("courier", person["id"])]
    assert (await s.run("core/Unlink", "officer", input=link))["unlink"] is True
    history = (await s.run("core/RecordHistory", "officer", **ids))["node"]["history"]
    assert [step["action"] for step in history][:2] == ["record.create", "record.update"]
    assert {step["toStatus"] for step in history} >= {"submitted", "validated"}

    # Messages and tasks (icomm), then connected instances for administrators.
    message = example_variables("icomm/SendMessage")["input"]
    sent = (
        await s.run("icomm/SendMessage", "officer", input={**message, "references": [first["id"]]})
    )["sendMessage"]
    assert sent["messages"][0]["references"] == [{"id": first["id"]}]
    assert edges((await s.run("icomm/Inbox", "validator"))["inbox"])[0]["id"] == sent["id"]
    assert (await s.run("icomm/UnreadCount", "validator"))["unreadCount"] == 1
    assert (await s.run("icomm/Thread", "validator", id=sent["id"]))["thread"]["unreadCount"] == 1
    await s.run("icomm/ReplyToThread", "validator", id=sent["id"])
    assert (await s.run("icomm/MarkThreadRead", "officer", id=sent["id"]))["markThreadRead"][
        "unreadCount"
    ] == 0
    assert (await s.run("icomm/ArchiveThread", "officer", id=sent["id"]))["archiveThread"][
        "archived"
    ]
    assignment = example_variables("icomm/AssignTask")["input"]
    task = (
        await s.run("icomm/AssignTask", "validator", input={**assignment, "recordId": first["id"]})
    )["assignTask"]
    assert task["record"] == {"id": first["id"]}
    assert task["id"] in {
        t["id"] for t in edges((await s.run("icomm/MyTasks", "officer"))["myTasks"])
    }
    await s.run("icomm/CommentTask", "officer", id=task["id"])
    done = await s.run("icomm/UpdateTaskStatus", "officer", id=task["id"], version=task["version"])
    assert [h["action"] for h in done["updateTaskStatus"]["history"]] == [
        "created",
        "comment",
        "status",
    ]
    assert (await s.run("icomm/Tasks", "validator"))["tasks"]["totalCount"] == 1
    await s.run("icomm/AddPeer", "admin")
    await s.run("icomm/AddAgreement", "admin")
    [peer] = (await s.run("icomm/Peers", "admin"))["peers"]
    assert peer["agreements"][0]["validToday"] is True

    # Sharing a record with the connected instance under that agreement (it is not reachable
    # here: the share stays queued), then what such an instance shares with this one.
    shared = (await s.run("icomm/ShareRecord", "officer", id=first["id"]))["shareRecord"]
    assert (shared["status"], shared["agreementReference"]) == ("queued", "MOU-PT-2026")
    listed = (await s.run("icomm/RecordShares", "officer", recordId=first["id"]))["recordShares"]
    assert [x["id"] for x in listed] == [shared["id"]]
    await received_from_lisbon(s.app.instance, person["id"], first["id"])
    [share] = (await s.run("core/ReceivedShares", "officer"))["receivedShares"]
    assert share["importCheck"]["importable"] is True
    assert person["id"] in [d["recordId"] for d in share["importCheck"]["duplicates"]]
    imported = (await s.run("core/ImportReceivedShare", "officer", id=share["id"]))[
        "importReceivedShare"
    ]
    assert imported["share"]["localRecordId"] == imported["record"]["id"]
    other = (await s.run("core/ReceivedShares", "officer", recordType="Seizure"))["receivedShares"][
        0
    ]
    linked = (
        await s.run("core/LinkReceivedShare", "officer", id=other["id"], recordId=first["id"])
    )["linkReceivedShare"]
    assert linked["status"] == "linked"
    erased = (await s.run("core/EraseReceivedShare", "validator", id=share["id"]))[
        "eraseReceivedShare"
    ]
    assert (erased["status"], erased["fields"], erased["erasedBy"]) == ("erased", None, "validator")
    revoked = await s.run("icomm/RevokeAgreement", "admin", id=peer["agreements"][0]["id"])
    assert revoked["revokeAgreement"] is True

    # Search, then the audit log of all the above.
    found = (await s.run("core/Search", "analyst"))["search"]
    assert found["totalCount"] > 0 and found["edges"][0]["snippets"]
    assert {f["value"] for f in found["facets"]["modules"]} == {"seizures"}
    events = (await s.run("core/AuditEvents", "auditor"))["auditEvents"]
    assert {e["action"] for e in edges(events)} >= {"record.create", "record.status"}

    # Accounts and API tokens.
    users = (await s.run("core/Users", "admin"))["users"]
    assert set(ROLES) <= {u["username"] for u in users}
    user = (await s.run("core/CreateUser", "admin"))["createUser"]
    assert user["temporaryPassword"] and user["user"]["mustChangePassword"]
    bot = {"username": "modules-bot", "displayName": "Module inventory", "roles": ["admin"]}
    await s.run("core/CreateUser", "admin", input={**bot, "serviceAccount": True})
    token = (await s.run("core/CreateApiToken", "admin"))["createApiToken"]
    robot = await s.app.gql(document_of("core/Me"), token=token["secret"])
    assert robot["data"]["me"]["via"] == "token"
    assert robot["data"]["me"]["permissions"] == ["core.modules.manage"]

    assert (await s.run("core/Logout", "officer"))["logout"] is True
    gone = await s.app.gql(document_of("core/Me"), token=s.tokens["officer"])
    assert gone["data"]["me"] is None

    assert set(OPERATIONS) - s.ran == set(), "operations no step ran"


async def received_from_lisbon(instance: Instance, person_id: str, seizure_id: str) -> None:
    """Two shares as icomm's transport hands them to core from the peer `lisbon` (built from
    this instance's own records): a person with its nominal fields, a seizure without."""
    from strawberry import relay

    from core.records import lifecycle
    from core.records.registry import record_registry
    from core.sharing.peers import Provenance, receive_shared, share_body
    from core.sharing.projection import digest

    registry = record_registry(instance)
    async with instance.db.transaction() as session:
        for number, (gid, nominal) in enumerate(((person_id, True), (seizure_id, False))):
            ref = relay.GlobalID.from_id(gid)
            rt = registry.get(ref.type_name)
            assert rt is not None
            record = await lifecycle.load(session, rt, int(ref.node_id), lock=False)
            body = await share_body(instance, session, rt, record, include_nominal=nominal)
            body["payload"]["sender"]["country"] = "PT"
            provenance = Provenance(
                share_uid=digest(f"lisbon-{number}")[:36],
                sender="lisbon",
                sender_key_id="d75a980182b10ab7",
                sender_country="PT",
                agreement_reference="MOU-PT-2026",
                legal_basis="Naples II Convention, art. 7",
                nominal_allowed=True,
                shared_by="liaison1" if nominal else None,
            )
            await receive_shared(instance, session, body, provenance)


README = REPO / "README.md"


def readme_blocks() -> list[str]:
    """The GraphQL examples of the README's First queries, in order."""
    return re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_examples_fit_the_schema(tmp_path: Path) -> None:
    blocks = readme_blocks()
    assert len(blocks) >= 6
    schema = schema_with_every_module(tmp_path)
    for block in blocks:
        assert validate(schema._schema, parse(block)) == [], block


async def test_readme_examples_run_on_demo_data(make_app) -> None:
    s = await demo_scenario(make_app)
    token = await login_as_demo(s, "officer")
    created_id = None
    for block in readme_blocks():
        if created_id:  # the README names the first seizure a fresh `make run` creates
            block = block.replace("U2VpenVyZToyMDE=", created_id)
        body = await s.app.gql(block, token=token)
        assert body["data"], block
        if "createSeizure" in body["data"]:
            created_id = body["data"]["createSeizure"]["id"]
    assert created_id and body["data"]["submitSeizure"]["status"] == "SUBMITTED"


async def login_as_demo(s: Scenario, role: str) -> str:
    data = await s.run("core/Login", username=role, password=s.passwords[role])
    return data["login"]["token"]
