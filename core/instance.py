"""One running ncen instance: its config, modules, database, schema and outbox relay.

Nothing here is global, so tests build several instances with different module sets side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments.plugin import PLUGIN_NAME as ATTACHMENTS_PLUGIN
from core.attachments.plugin import CoreAttachmentsPlugin, attach_attachments
from core.audit.plugin import CoreAuditPlugin
from core.auth.credential_cache import attach_credential_cache
from core.auth.plugin import CoreAuthPlugin
from core.codelists.cache import attach_code_list_cache
from core.codelists.plugin import CodeListsPlugin
from core.config import Config
from core.db import Database
from core.errors import MigrationError, ModuleLoadError
from core.events import PLUGIN_NAME as EVENTS_PLUGIN
from core.events import CoreEventsPlugin, attach_events
from core.exchange.plugin import CoreExchangePlugin
from core.forms.plugin import FormsPlugin
from core.gql.core_schema import CoreGraphQLPlugin
from core.gql.schema import build_schema
from core.links.plugin import LinksPlugin
from core.migrate import MigrationBranch, Migrator
from core.module import Module, ModuleInfo
from core.outbox import OutboxRelay, handler_table
from core.plugins import call_event, collect, load_modules
from core.private_files import secure_data_dir
from core.search.plugin import PLUGIN_NAME as SEARCH_PLUGIN
from core.search.plugin import CoreSearchPlugin, attach_search
from core.settings import ModuleSettings, Setting, check_declarations, resolve_module_settings
from core.sharing.global_search import PLUGIN_NAME as GLOBAL_DATABASE_PLUGIN
from core.sharing.global_search import GlobalDatabasePlugin
from core.sharing.plugin import (
    GLOBAL_EXPORT_PLUGIN,
    GlobalExportSubscriber,
    SharingPlugin,
    attach_sharing,
)
from core.sharing.plugin import PLUGIN_NAME as SHARING_PLUGIN
from core.table_watch import ListenHub, start_listening

INSTANCE_KEY = "ncen.instance"


def instance_of(session: AsyncSession) -> Instance:
    """The instance a session belongs to: for hook code that is handed only a session."""
    return session.info[INSTANCE_KEY]


def core_plugins(config: Config | None = None) -> list[tuple[str, object]]:
    """Core features that cannot be disabled, registered as plugins like any module (and, by
    the sharing settings, the global export's record-event subscriber and global mode's search
    of received records)."""
    plugins: list[tuple[str, object]] = [
        ("core.graphql", CoreGraphQLPlugin()),
        ("core.auth", CoreAuthPlugin()),
        ("core.audit", CoreAuditPlugin()),
        (SEARCH_PLUGIN, CoreSearchPlugin()),
        ("core.codelists", CodeListsPlugin()),
        ("core.links", LinksPlugin()),
        ("core.forms", FormsPlugin()),
        (ATTACHMENTS_PLUGIN, CoreAttachmentsPlugin()),
        (EVENTS_PLUGIN, CoreEventsPlugin()),
        (SHARING_PLUGIN, SharingPlugin()),
        ("core.exchange", CoreExchangePlugin()),
    ]
    if config is not None and config.sharing.global_export != "off":
        plugins.append((GLOBAL_EXPORT_PLUGIN, GlobalExportSubscriber()))
    if config is not None and config.sharing.global_database:
        plugins.append((GLOBAL_DATABASE_PLUGIN, GlobalDatabasePlugin()))
    return plugins


class Instance:
    def __init__(self, config: Config, *, extra_modules: Sequence[Module] = ()) -> None:
        self.config = config
        loaded = load_modules(
            config.modules, extra=extra_modules, core_plugins=core_plugins(config)
        )
        self.pm = loaded.pm
        self.modules: tuple[ModuleInfo, ...] = loaded.modules
        self.installed = loaded.installed
        self._check_models()
        self._settings = self._module_settings()
        self.db = Database(config.database_url, session_info={INSTANCE_KEY: self})
        self.migrator = Migrator(
            self.db, self._migration_branches(), [m.name for m in self.modules]
        )
        # Per-instance state that plugins keep between hooks (never module-level globals).
        self.state: dict[str, Any] = {}
        attach_credential_cache(self.db, config.auth.credential_cache_seconds)
        attach_code_list_cache(self.db)
        self.search = attach_search(self)
        self.attachments = attach_attachments(self)
        attach_events(self)
        attach_sharing(self)
        handlers = [
            (plugin, handler)
            for plugin, answer in collect(self.pm, "register_outbox_handlers", instance=self)
            for handler in answer
        ]
        self.outbox = OutboxRelay(self.db, handler_table(handlers), config.outbox)
        self.started = False
        self._listening: ListenHub | None = None

    def _module_settings(self) -> dict[str, ModuleSettings]:
        names = set(self.module_names)
        declared: dict[str, list[Setting]] = {}
        for plugin_name, settings in collect(self.pm, "register_settings"):
            if plugin_name not in names:
                raise ModuleLoadError(f"{plugin_name!r}: only modules declare settings")
            declared[plugin_name] = check_declarations(plugin_name, settings)
        return resolve_module_settings(self.config, self.installed, self.module_names, declared)

    def settings(self, module: str) -> ModuleSettings:
        """The checked settings of an enabled module: `instance.settings("suspects").review_years`."""
        try:
            return self._settings[module]
        except KeyError:
            raise KeyError(f"module {module!r} is not enabled") from None

    def _migration_branches(self) -> list[MigrationBranch]:
        branches = []
        for name, module in sorted(self.installed.items()):
            path = module.migrations_path()
            if path is not None:
                branches.append(MigrationBranch(label=name, path=path))
        return branches

    def _check_models(self) -> None:
        names = {m.name for m in self.modules}
        for plugin_name, models in collect(self.pm, "register_models"):
            prefix = f"{plugin_name}_" if plugin_name in names else "core_"
            for model in models:
                table = getattr(model, "__tablename__", None)
                if not isinstance(table, str) or not table.startswith(prefix):
                    raise ModuleLoadError(
                        f"module {plugin_name!r} declares table {table!r} outside its prefix "
                        f"{prefix!r}"
                    )

    @cached_property
    def schema(self) -> strawberry.Schema:
        return build_schema(self.pm, self.config.graphql)

    @property
    def module_names(self) -> list[str]:
        return [m.name for m in self.modules]

    def is_enabled(self, name: str) -> bool:
        return name in self.module_names

    async def start(self) -> None:
        """Refuse to serve on a schema that is behind the code; then start background work."""
        pending = await self.migrator.pending()
        if pending:
            raise MigrationError(
                f"database schema is behind for {pending}: run `ncen db upgrade` first"
            )
        _ = self.schema
        secure_data_dir(self.config)
        await call_event(self.pm, "on_startup", instance=self)
        # Before the relay starts: the relay is the index's writer once serving.
        await self.search.ensure_ready()
        await self.outbox.start()
        # PostgreSQL: hear of changes other processes make to what in-process caches hold.
        self._listening = await start_listening(self.db)
        self.started = True

    async def stop(self) -> None:
        await self.outbox.stop()
        listening, self._listening = self._listening, None
        if listening is not None:
            await listening.stop()
        if self.started:
            await call_event(self.pm, "on_shutdown", instance=self)
        self.started = False
        await self.db.dispose()
