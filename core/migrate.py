"""Alembic driven programmatically: one environment, one branch label per module.

`version_locations` lists every *installed* module (so revisions of a disabled module stay known
and its rows in the version table make sense), but `upgrade` only runs `core@head` and then
`<module>@head` for each *enabled* module in dependency order: a disabled module's tables are
never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from core.db import Database
from core.errors import MigrationError

CORE_MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "core_alembic_version"


@dataclass(frozen=True)
class MigrationBranch:
    """A module's alembic branch: `label` must equal the module name."""

    label: str
    path: Path


def alembic_config(
    branches: list[MigrationBranch], connection: Connection | None = None
) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
    locations = [str(CORE_MIGRATIONS / "versions"), *(str(b.path) for b in branches)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    return cfg


class Migrator:
    """Upgrades and inspects the schema of one database for a given set of branches."""

    def __init__(self, db: Database, installed: list[MigrationBranch], enabled: list[str]) -> None:
        self.db = db
        self.installed = installed
        self.enabled = enabled  # module labels in dependency order

    def _targets(self) -> list[str]:
        labels = {b.label for b in self.installed}
        return ["core", *(name for name in self.enabled if name in labels)]

    async def upgrade(self) -> list[str]:
        targets = self._targets()

        def run(connection: Connection) -> None:
            cfg = alembic_config(self.installed, connection)
            for label in targets:
                command.upgrade(cfg, f"{label}@head")

        async with self.db.engine.begin() as conn:
            await conn.run_sync(run)
        return targets

    async def status(self) -> dict[str, dict[str, Any]]:
        """Per branch: current revision in the database and head revision in the code."""

        def read(connection: Connection) -> dict[str, dict[str, Any]]:
            script = ScriptDirectory.from_config(alembic_config(self.installed))
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            heads = context.get_current_heads()
            # Everything applied: the heads and all they descend from (dependencies included,
            # since alembic drops a dependency's own row once a dependent revision is applied).
            applied = (
                {r.revision for r in script.iterate_revisions(heads, "base")} if heads else set()
            )
            result: dict[str, dict[str, Any]] = {}
            for label in ["core", *(b.label for b in self.installed)]:
                try:
                    head = script.get_revision(f"{label}@head")
                except Exception as exc:  # alembic raises several kinds for a bad label
                    raise MigrationError(f"migration branch {label!r}: {exc}") from None
                at = next(
                    (
                        r.revision
                        for r in script.iterate_revisions(f"{label}@head", "base")
                        if r.revision in applied and label in r.branch_labels
                    ),
                    None,
                )
                result[label] = {
                    "current": at,
                    "head": head.revision if head else None,
                    "enabled": label == "core" or label in self.enabled,
                }
            return result

        async with self.db.engine.connect() as conn:
            return await conn.run_sync(read)

    async def pending(self) -> list[str]:
        """Enabled branches whose database revision is behind the code."""
        status = await self.status()
        return [
            label
            for label, row in status.items()
            if row["enabled"] and row["current"] != row["head"]
        ]
