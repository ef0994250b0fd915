"""The journal of an apply: one JSON file, rewritten atomically at every step, so that after a
crash the next start knows exactly how far the apply went and what to undo.

States, in order: requested (waiting for the launcher) -> verified -> checked (pre-flight) ->
backed_up -> installing -> installed -> migrating -> migrated -> healthy -> switched -> done.
An apply that fails or is interrupted before `switched` is rolled back: the database is
restored if the migrations may have started, the new environment is removed, and the old one
stays active. One that reached `switched` is finished. Finished journals move to `journal/`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from typing import Any

from plugins.update_manager.manifest import Manifest
from plugins.update_manager.paths import UpdatePaths, fsync_dir, read_json, write_json

REQUESTED = "requested"
STEPS = (
    REQUESTED,
    "verified",
    "checked",
    "backed_up",
    "installing",
    "installed",
    "migrating",
    "migrated",
    "healthy",
    "switched",
    "done",
)
ROLLED_BACK = "rolled_back"
# From this step on the database may differ from the backup: a rollback restores it.
DATABASE_TOUCHED = "migrating"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class Journal:
    paths: UpdatePaths
    id: str
    release: dict[str, Any]
    state: str
    actor: dict[str, Any]
    source: str | None = None
    previous_environment: str | None = None
    previous_version: str | None = None
    environment: str | None = None
    backup: str | None = None
    error: str | None = None
    started_at: str = field(default_factory=_now)
    steps: list[dict[str, str]] = field(default_factory=list)

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_dict(self.release, "journal")

    @classmethod
    def new(
        cls,
        paths: UpdatePaths,
        manifest: Manifest,
        actor: dict[str, Any],
        state: str,
        source: str | None,
    ) -> Journal:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", f"{manifest.name}-{manifest.version}")
        journal = cls(paths, f"{stamp}-{slug}", manifest.to_dict(), state, actor, source)
        journal.steps.append({"state": state, "at": _now()})
        journal.save()
        return journal

    @classmethod
    def current(cls, paths: UpdatePaths) -> Journal | None:
        raw = read_json(paths.journal)
        if raw is None:
            return None
        return cls(paths=paths, **raw)

    def reached(self, state: str) -> bool:
        return self.state in STEPS and STEPS.index(self.state) >= STEPS.index(state)

    def advance(self, state: str, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.state = state
        self.steps.append({"state": state, "at": _now()})
        self.save()

    def note(self, what: str) -> None:
        """Record a moment (e.g. the start of a rollback) without changing the state."""
        self.steps.append({"state": self.state, "note": what, "at": _now()})
        self.save()

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "paths"}

    def save(self) -> None:
        write_json(self.paths.journal, self.to_dict())

    def close(self, state: str, error: str | None = None) -> None:
        """Finish: the journal moves to journal/<id>.json; no apply is in progress any more."""
        self.error = error
        self.state = state
        self.steps.append({"state": state, "at": _now()})
        archive = self.paths.journal_archive / f"{self.id}.json"
        write_json(archive, self.to_dict())
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.paths.journal)
        fsync_dir(self.paths.root)
