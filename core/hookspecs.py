"""The hooks a module can implement. Each one is documented in docs/hooks.md and tested.

Kinds: `register_*` hooks are collected once at start-up and return declarations (lists or
objects); `on_*` hooks are events. Implementations may return values or awaitables where the
hook says so; core awaits them uniformly (`core.plugins.resolve`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from starlette.routing import BaseRoute

    from core.attachments.owners import AttachmentOwner
    from core.auth.permissions import Permission
    from core.codelists.sources import CodeListSource, CodeListUsage
    from core.events import RecordEvent
    from core.exchange.declaration import ExchangeType
    from core.forms.fields import EntityForm, ExtensionField
    from core.gql.contribution import GraphQLContribution
    from core.instance import Instance
    from core.links.declarations import LinkType
    from core.outbox import OutboxHandler
    from core.records.declaration import RecordType
    from core.records.fields import RecordField
    from core.search.documents import SearchType
    from core.settings import Setting

hookspec = pluggy.HookspecMarker("ncen")
hookimpl = pluggy.HookimplMarker("ncen")


@hookspec
def register_models() -> list[type]:
    """SQLAlchemy model classes of the module; each table name must start with `<module>_`."""


@hookspec
def register_record_types() -> list[RecordType]:
    """Record types of the module; core supplies their mutations, workflow, history, events and
    search (see core/records)."""


@hookspec
def register_record_fields() -> list[RecordField]:
    """Fields the module adds to record types of any module (`tasks` by icomm), present only
    in the schemas of instances that enable the module."""


@hookspec
def register_exchange_types() -> list[ExchangeType]:
    """Record types the module lets users import from files, upsert in bulk, export and count:
    their columns, export permission, list reader and statistics (core/exchange)."""


@hookspec
def register_graphql() -> GraphQLContribution | None:
    """Query fields, mutations and types the module adds to the combined schema."""


@hookspec
def register_outbox_handlers(instance: Instance) -> list[OutboxHandler]:
    """Handlers for outbox topics; the relay calls them with batches after commit. `instance`
    (optional in an implementation) is the instance whose relay runs them."""


@hookspec
def register_permissions() -> list[Permission]:
    """Permissions of the module, each named `<module>.<what>`, with the roles granted it first."""


@hookspec
def register_search_types() -> list[SearchType]:
    """Entity types the module makes searchable: permission, document fetcher, id lister."""


@hookspec
def register_code_lists() -> list[CodeListSource]:
    """Code lists the plugin ships (data files), or extends (`extends=True`) for another plugin."""


@hookspec
def register_code_list_usage() -> list[CodeListUsage]:
    """Columns that store codes of a list, so that sync end-dates used codes instead of removing."""


@hookspec
def register_link_types() -> list[LinkType]:
    """Relations allowed between entity types (`core_link`), with their inverse names."""


@hookspec
def register_entity_forms() -> list[EntityForm]:
    """The editable fields of the plugin's entity types, described for frontends (`formSchema`)."""


@hookspec
def register_extension_fields() -> list[ExtensionField]:
    """Fields the plugin adds to another module's entity type, stored in the record's `extra`."""


@hookspec
def register_attachment_owners() -> list[AttachmentOwner]:
    """Entity types whose records can have photos, with who may fetch them (core/attachments)."""


@hookspec
def register_settings() -> list[Setting]:
    """Settings of the module (`[ncen.module.<name>]`, `NCEN_MODULE_<NAME>_<KEY>`), checked at
    start; read with `instance.settings("<name>")`."""


@hookspec
def register_cli_commands() -> list[click.Command]:
    """Command groups (or commands) the module adds to `ncen`, e.g. `ncen update ...`."""


@hookspec
def register_routes() -> list[BaseRoute]:
    """HTTP routes of the module (starlette), served under `/modules/<module name>/`."""


@hookspec
def load_demo_data(instance: Instance, size: int) -> Any:
    """Insert `size` deterministic synthetic records of the module (may return an awaitable)."""


@hookspec
def on_startup(instance: Instance) -> Any:
    """Called once when the instance starts serving (may return an awaitable)."""


@hookspec
def on_shutdown(instance: Instance) -> Any:
    """Called once when the instance stops (may return an awaitable)."""


@hookspec
def on_record_changed(instance: Instance, event: RecordEvent) -> Any:
    """A record changed (event written in its transaction, delivered after commit, at least
    once, to each implementation on its own); may return an awaitable."""


@hookspec
def on_records_changed(instance: Instance, events: list[RecordEvent]) -> Any:
    """Records changed: the same events as `on_record_changed`, handed over a batch at a time
    (in commit order) for subscribers that work faster on many at once; a failure retries the
    whole batch. May return an awaitable."""
