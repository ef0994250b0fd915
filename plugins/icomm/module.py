"""The icomm module's plugin object: its identity and the hooks it implements.

Imports of the module's own code happen inside the hooks, so that an instance with icomm
disabled never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.permissions import Permission
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

if TYPE_CHECKING:
    import click
    from starlette.routing import BaseRoute

    from core.attachments.owners import AttachmentOwner
    from core.events import RecordEvent
    from core.instance import Instance
    from core.outbox import OutboxHandler
    from core.records.fields import RecordField
    from core.settings import Setting

USERS = ("officer", "validator", "analyst")


class IcommModule:
    info = ModuleInfo(
        name="icomm",
        version="0.1.0",
        label="Messaging",
        description="Messages between users and with connected instances and the global database.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.icomm.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission("icomm.messages.read", "Read one's mailbox", USERS),
            Permission("icomm.messages.send", "Write messages", USERS),
            Permission(
                "icomm.external.send",
                "Write to connected instances",
                ("officer", "validator"),
            ),
            Permission(
                "icomm.records.share",
                "Share records with connected instances under their agreements",
                ("officer", "validator"),
            ),
            Permission("icomm.tasks.work", "See and work on one's tasks", USERS),
            Permission("icomm.tasks.assign", "Assign tasks", ("validator",)),
            Permission("icomm.tasks.supervise", "See and manage every task", ("validator",)),
            Permission(
                "icomm.peers.manage",
                "Register connected instances and their agreements",
                ("admin",),
                administrative=True,
            ),
        ]

    @hookimpl
    def register_attachment_owners(self) -> list[AttachmentOwner]:
        from core.attachments.owners import AttachmentOwner
        from plugins.icomm.messaging import ATTACHMENT_ENTITY, readable_messages

        return [
            AttachmentOwner(
                ATTACHMENT_ENTITY,
                "icomm",
                "icomm.messages.read",
                can_read=readable_messages,
                audit_reads=True,
            )
        ]

    @hookimpl
    def register_settings(self) -> list[Setting]:
        from plugins.icomm.settings import declarations

        return declarations()

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.icomm.gql import IcommMutation, IcommQuery
        from plugins.icomm.shares_gql import IcommSharesMutation, IcommSharesQuery

        return GraphQLContribution(
            queries=[IcommQuery, IcommSharesQuery],
            mutations=[IcommMutation, IcommSharesMutation],
        )

    @hookimpl
    def register_record_fields(self) -> list[RecordField]:
        from core.records.fields import RecordField
        from plugins.icomm.gql import TaskType, record_tasks
        from plugins.icomm.shares_gql import RecordShareType, record_shares

        return [
            RecordField(
                "tasks",
                TaskType,
                record_tasks,
                "Tasks about this record that you may see (icomm), newest first.",
            ),
            RecordField(
                "shares",
                RecordShareType,
                record_shares,
                "Shares of this record with connected instances and what became of them "
                "(icomm.records.share; none without it), newest first.",
            ),
        ]

    @hookimpl
    def register_outbox_handlers(self, instance: Instance) -> list[OutboxHandler]:
        from plugins.icomm import delivery, notices

        return [*delivery.handlers(instance), *notices.handlers(instance)]

    @hookimpl
    def register_routes(self) -> list[BaseRoute]:
        from plugins.icomm.http import routes

        return routes()

    @hookimpl
    def register_cli_commands(self) -> list[click.Command]:
        from plugins.icomm.cli import peer_group

        return [peer_group]

    @hookimpl
    async def on_record_changed(self, instance: Instance, event: RecordEvent) -> None:
        from core.sharing.share_erasure import on_record_event
        from plugins.icomm.notices import on_record_changed

        await on_record_changed(instance, event)
        await on_record_event(instance, event)  # erase the shares an erased record came from

    @hookimpl
    async def on_startup(self, instance: Instance) -> None:
        from plugins.icomm import global_peer, shares

        await shares.install(instance)
        await global_peer.install(instance)

    @hookimpl
    async def on_shutdown(self, instance: Instance) -> None:
        from plugins.icomm.delivery import close

        await close(instance)


module = IcommModule()
