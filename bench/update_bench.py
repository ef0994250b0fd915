"""The update manager: apply a module release with a migration on an instance holding N
seizures (verify, pre-flight, backup, new environment, migrations, health check, switch), then
a release whose new version cannot start, which is rolled back (database and search index
restored). Targets at 100,000 seizures: apply <= 60 s, rollback <= 30 s.

The releases are those of the update tests' fixture module (tests/update_fixtures/stock), in
a signed repository read from a directory, applied with `ncen-launcher update apply` as an
administrator would. Phases come from the apply's journal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import time
from pathlib import Path

from bench.common import Results, prepare_instance, target
from plugins.update_manager.paths import UpdatePaths
from tests.update_helpers import (
    build_repository,
    build_stock_wheel,
    install_release_1,
    launcher,
    stock_spec,
    write_config,
)

APPLY_TARGET_S = 60.0
ROLLBACK_TARGET_S = 30.0


def _phases(journal: dict) -> dict[str, float]:
    """Seconds from one journal step to the next, named by the step reached."""
    steps = journal["steps"]
    phases: dict[str, float] = {}
    for before, after in itertools.pairwise(steps):
        name = after.get("note") or after["state"]
        seconds = (
            dt.datetime.fromisoformat(after["at"]) - dt.datetime.fromisoformat(before["at"])
        ).total_seconds()
        phases[name] = round(phases.get(name, 0.0) + seconds, 3)
    return phases


def _last_journal(paths: UpdatePaths) -> dict:
    return json.loads(sorted(paths.journal_archive.iterdir())[-1].read_text())


def run(results: Results, work: Path, *, seizures: int) -> None:
    folder = work / "update"
    data_dir = folder / "data"
    results.note(f"update: {seizures} seizures, wheels and repository")
    wheels = {v: build_stock_wheel(v, folder) for v in ("1.0.0", "2.0.0", "4.0.0")}
    repo, _keys = build_repository(
        folder, [stock_spec(folder, wheels[v]) for v in ("2.0.0", "4.0.0")]
    )
    # Indexed, as a serving instance is: otherwise the health check's start would build the index.
    timings = asyncio.run(prepare_instance(data_dir, seizures, users=False))
    results.note(f"update: instance ready ({timings})")
    database_url = f"sqlite+aiosqlite:///{data_dir / 'ncen.db'}"
    config = write_config(
        folder / "ncen.toml", data_dir, database_url, repo / "metadata" / "1.root.json"
    )
    config.write_text(
        config.read_text().replace(
            'modules = ["update_manager", "stock"]',
            'modules = ["seizures", "update_manager", "stock"]',
        )
    )
    install_release_1(config, data_dir, wheels["1.0.0"])
    paths = UpdatePaths(data_dir / "updates")
    size = sum(p.stat().st_size for p in data_dir.glob("ncen.db*"))

    start = time.perf_counter()
    launcher(config, "update", "apply", "ncen-stock", "2.0.0", "--from", str(repo))
    seconds = time.perf_counter() - start
    results.add(
        "update.apply",
        seizures,
        seconds=round(seconds, 2),
        database_mb=round(size / 2**20, 1),
        phases=_phases(_last_journal(paths)),
        **target(seconds, APPLY_TARGET_S),
    )

    start = time.perf_counter()
    failed = launcher(config, "update", "apply", "ncen-stock", "4.0.0", check=False)
    total = time.perf_counter() - start
    assert failed.returncode == 1 and "rolled back" in failed.stderr, failed.stderr
    phases = _phases(_last_journal(paths))
    rollback = phases.get("rolled_back", 0.0)
    results.add(
        "update.rollback",
        seizures,
        seconds=round(rollback, 2),
        failed_apply_seconds=round(total, 2),
        phases=phases,
        **target(rollback, ROLLBACK_TARGET_S),
    )
