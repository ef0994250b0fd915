"""Helpers for the sharing tests: an instance with seizures whose export mode is chosen, a
validated seizure, and a sender that records what it was handed."""

from __future__ import annotations

from typing import Any

from core.codelists.sync import sync_code_lists
from core.config import SharingSettings
from core.sharing.exports import Delivery
from core.testing import TestApp
from tests.seizures.helpers import CREATE, SUBMIT, VALIDATE, completion, simplified_input, tokens

PREVIEW = "query($id: ID!) { cenPreview(id: $id) }"
CHECK_TEXT = """mutation($id: ID!, $path: String!, $text: String) {
  checkFreeText(id: $id, path: $path, text: $text) { path text } }"""
EXPORTS = """query($id: ID) { globalExports(recordId: $id) {
  id recordId recordVersion kind status payloadSha256 attempts error } }"""


async def sharing_app(
    make_app: Any,
    mode: str = "automatic",
    *,
    global_types: tuple[str, ...] = ("Seizure",),
    global_database: bool = False,
    **overrides: Any,
) -> TestApp:
    app = await make_app(
        modules=overrides.pop("modules", ["seizures"]),
        sharing=SharingSettings(
            global_export=mode, global_types=global_types, global_database=global_database
        ),
        **overrides,
    )
    await sync_code_lists(app.instance)
    return app


async def validated_seizure(app: TestApp, who: dict[str, str], **fields: Any) -> tuple[str, int]:
    """Create, submit and validate a full seizure; return its id and version."""
    data = simplified_input(**completion())
    data.update(fields)
    created = (await app.gql(CREATE, {"input": data}, token=who["officer"]))["data"][
        "createSeizure"
    ]
    sid = created["id"]
    submitted = await app.gql(SUBMIT, {"id": sid, "v": created["version"]}, token=who["officer"])
    version = submitted["data"]["submitSeizure"]["version"]
    validated = await app.gql(VALIDATE, {"id": sid, "v": version}, token=who["validator"])
    return sid, validated["data"]["validateSeizure"]["version"]


async def settle(app: TestApp) -> None:
    """Wait until the outbox has delivered everything it can (record events, then sends)."""
    await app.instance.outbox.settle()


class RecordingSender:
    """A GlobalPeerSender for tests: keeps what it was handed; fails while `failing`."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.failing = False

    async def send(self, delivery: Delivery) -> None:
        if self.failing:
            raise ConnectionError("global peer unreachable")
        self.deliveries.append(delivery)


__all__ = ["tokens"]
