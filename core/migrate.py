"""Alembic driven programmatically: one environment, one branch label per module.

`version_locations` lists every *installed* module (so revisions of a disabled module stay known
and its rows in the version table make sense), but `upgrade` only runs `core@head` and then
`<module>@head` for each *enabled* module in dependency order: a disabled module's tables are
never touched.

Alembic is imported only when it has work to do. Importing it costs about a fifth of a second of
CPU (it pulls in every SQLAlchemy dialect, mako and pygments), and the question asked at every
start and readiness probe, "is anything pending?", is answered without it: the revision ids are
read from the scripts' `revision = ...` lines and compared with the version table. Whenever that
quick answer is not a plain "up to date" (something is behind, a script is unusual, the table
holds an unknown revision), alembic answers, so a pending migration is reported as before.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from core.db import Database
from core.errors import MigrationError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

CORE_MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "core_alembic_version"
# The files alembic reads as revisions (alembic.script.base._only_source_rev_file).
_SCRIPT_NAME = re.compile(r"(?!\.#|__init__).*\.py$")
_HEADER_LINE = re.compile(r"^(revision|down_revision|branch_labels)\b[^=\n]*=(.*)$", re.M)


@dataclass(frozen=True)
class MigrationBranch:
    """A module's alembic branch: `label` must equal the module name."""

    label: str
    path: Path


@dataclass(frozen=True)
class ScriptHeader:
    """What identifies a migration script in the revision graph."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]


def alembic_config(
    branches: list[MigrationBranch], connection: Connection | None = None
) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
    cfg.set_main_option("version_locations", " ".join(str(p) for p in _locations(branches)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    return cfg


def _locations(branches: list[MigrationBranch]) -> list[Path]:
    return [CORE_MIGRATIONS / "versions", *(b.path for b in branches)]


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"not a revision name or a list of them: {value!r}")


def read_header(path: Path) -> ScriptHeader | None:
    """The identifiers of one script, read without importing it; None when they are not plain
    one-line literals (alembic, which runs the script, is then asked instead)."""
    found: dict[str, Any] = {}
    for key, expression in _HEADER_LINE.findall(path.read_text(encoding="utf-8")):
        if key in found:
            return None
        try:
            found[key] = ast.literal_eval(expression.strip())
        except (ValueError, SyntaxError):
            return None
    if not isinstance(found.get("revision"), str):
        return None
    try:
        return ScriptHeader(
            found["revision"],
            _names(found.get("down_revision")),
            _names(found.get("branch_labels")),
        )
    except ValueError:
        return None


def read_headers(locations: Iterable[Path]) -> dict[str, ScriptHeader] | None:
    """Every script of the version locations by revision id; None if one cannot be read plainly."""
    headers: dict[str, ScriptHeader] = {}
    for location in locations:
        if not location.is_dir():
            continue
        for path in sorted(location.iterdir()):
            if not path.is_file() or not _SCRIPT_NAME.match(path.name):
                continue
            header = read_header(path)
            if header is None or header.revision in headers:
                return None
            headers[header.revision] = header
    return headers


def up_to_date(headers: dict[str, ScriptHeader], stored: Iterable[str], labels: list[str]) -> bool:
    """True only when each branch in `labels` has one head and the version table reaches it.

    "Reaches" follows `down_revision` only, which never claims more than alembic's own reading
    (it also follows dependencies), so a True here never hides a pending migration.
    """
    applied: set[str] = set()
    todo = list(stored)
    while todo:
        revision = todo.pop()
        if revision in applied:
            continue
        if revision not in headers:
            return False  # unknown to the installed code: alembic decides what that means
        applied.add(revision)
        todo.extend(headers[revision].down_revisions)
    children: dict[str, list[str]] = {}
    for header in headers.values():
        for down in header.down_revisions:
            children.setdefault(down, []).append(header.revision)
    for label in labels:
        members: set[str] = set()
        todo = [h.revision for h in headers.values() if label in h.branch_labels]
        while todo:
            revision = todo.pop()
            if revision not in members:
                members.add(revision)
                todo.extend(children.get(revision, ()))
        heads = [r for r in members if not children.get(r)]
        if len(heads) != 1 or heads[0] not in applied:
            return False
    return True


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
        from alembic import command

        targets = self._targets()

        def run(connection: Connection) -> None:
            cfg = alembic_config(self.installed, connection)
            for label in targets:
                command.upgrade(cfg, f"{label}@head")

        # A write transaction from the start (BEGIN IMMEDIATE on SQLite): a deferred one that read
        # the version table would fail at its first DDL if another connection committed since.
        async with self.db.engine.execution_options(ncen_write=True).begin() as conn:
            await conn.run_sync(run)
        return targets

    async def status(self) -> dict[str, dict[str, Any]]:
        """Per branch: current revision in the database and head revision in the code."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

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
        if await self._quick_up_to_date():
            return []
        status = await self.status()
        return [
            label
            for label, row in status.items()
            if row["enabled"] and row["current"] != row["head"]
        ]

    async def _quick_up_to_date(self) -> bool:
        headers = read_headers(_locations(self.installed))
        if headers is None:
            return False
        try:
            async with self.db.engine.connect() as conn:
                rows = await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
                stored = [row[0] for row in rows]
        except DBAPIError:
            return False  # no version table yet, among others: alembic says what is behind
        return up_to_date(headers, stored, self._targets())
