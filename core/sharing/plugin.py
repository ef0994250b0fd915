"""Sharing as a core plugin: its tables, permissions, GraphQL, CLI and record-event subscriber."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.auth.permissions import Permission
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.outbox import OutboxHandler

if TYPE_CHECKING:
    from core.events import RecordEvent
    from core.instance import Instance

PLUGIN_NAME = "core.sharing"
GLOBAL_EXPORT_PLUGIN = "core.sharing.global_export"


class SharingPlugin:
    def __init__(self) -> None:
        self.instance: Instance | None = None

    @hookimpl
    def register_models(self) -> list[type]:
        from core.sharing.models import MODELS

        return list(MODELS)

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        from core.sharing.schema import CHECK, EXPORT, GLOBAL_VIEW

        return [
            Permission(
                CHECK,
                "Record checked non-nominal versions of free text and say which photos show "
                "no person, so that they may be shared",
                ("validator",),
            ),
            Permission(
                EXPORT,
                "Preview what leaves for the global database, queue batches, read the export log",
                ("validator",),
            ),
            Permission(
                GLOBAL_VIEW,
                "Read the records national instances sent (global mode)",
                ("analyst", "validator"),
            ),
        ]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from core.sharing.peer_schema import (
            ReceivedShare,
            ReceivedSharesMutation,
            ReceivedSharesQuery,
        )
        from core.sharing.schema import (
            GlobalRecord,
            GlobalRecordsQuery,
            SharingMutation,
            SharingQuery,
        )

        return GraphQLContribution(
            queries=[SharingQuery, GlobalRecordsQuery, ReceivedSharesQuery],
            mutations=[SharingMutation, ReceivedSharesMutation],
            types=[GlobalRecord, ReceivedShare],
        )

    @hookimpl
    def register_attachment_owners(self) -> list[Any]:
        """Photos a connected instance shared with a record: readable by whoever may read the
        received share; each download audited."""
        from core.attachments.owners import AttachmentOwner
        from core.sharing.peers import PEER_RECORD

        plugin = self

        async def can_read(session: Any, principal: Any, ids: Any) -> set[str]:
            from core.sharing.imports import readable_ids

            assert plugin.instance is not None
            return await readable_ids(plugin.instance, session, principal, ids)

        return [AttachmentOwner(PEER_RECORD, "core", "", can_read=can_read, audit_reads=True)]

    @hookimpl
    def register_link_types(self) -> list[Any]:
        """A received share links to the local record it is (every record type)."""
        from core.sharing.peer_schema import link_types

        return link_types(self.instance) if self.instance is not None else []

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        from core.sharing.exports import SEND_TOPIC, deliver

        plugin = self

        async def handle(rows):
            assert plugin.instance is not None
            await deliver(plugin.instance, rows)

        return [OutboxHandler(topics=(SEND_TOPIC,), handle=handle, name="core.sharing.send")]


class GlobalExportSubscriber:
    """Subscribes to record events only when the global export is on (`ncen.sharing`), so that
    an instance that shares nothing writes no outbox row for it."""

    @hookimpl
    async def on_record_changed(self, instance: Instance, event: RecordEvent) -> None:
        from core.sharing.exports import on_record_event

        await on_record_event(instance, event)


def attach_sharing(instance: Instance) -> None:
    """Bind the plugin to its instance, before the outbox handlers are collected."""
    plugin = instance.pm.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, SharingPlugin):
        plugin.instance = instance
