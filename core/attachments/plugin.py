"""Attachments as a core feature: registered as a plugin like any module, bound to one instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.attachments.models import Attachment, AttachmentChunk
from core.attachments.owners import collect_owners
from core.attachments.service import PURGE_TOPIC, UPLOAD_PERMISSION, AttachmentService
from core.auth import Permission
from core.hookspecs import hookimpl
from core.outbox import OutboxEvent, OutboxHandler

if TYPE_CHECKING:
    from collections.abc import Sequence

    from core.instance import Instance

PLUGIN_NAME = "core.attachments"


class CoreAttachmentsPlugin:
    """Declares the table and the upload permission, removes files of erased attachments,
    collects stale uploads."""

    def __init__(self) -> None:
        self.service: AttachmentService | None = None

    async def _purge(self, events: Sequence[OutboxEvent]) -> None:
        if self.service is None:
            raise RuntimeError("attachments plugin is not bound to an instance")
        await self.service.handle_purge(events)

    @hookimpl
    def register_models(self) -> list[type]:
        return [Attachment, AttachmentChunk]

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission(
                UPLOAD_PERMISSION,
                "Upload photos to attach to records one may edit",
                default_roles=("officer", "validator"),
            )
        ]

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        return [OutboxHandler(topics=(PURGE_TOPIC,), handle=self._purge, name=PLUGIN_NAME)]

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        instance.attachments.files.ensure_dirs()
        await instance.attachments.collect_garbage()


def attach_attachments(instance: Instance) -> AttachmentService:
    """Build the instance's attachment service from the enabled modules' declarations."""
    owners = collect_owners(instance.pm, instance.module_names)
    service = AttachmentService(
        instance.db, instance.config.attachments, instance.config.attachments_dir, owners
    )
    plugin = instance.pm.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, CoreAttachmentsPlugin):
        plugin.service = service
    return service
