"""`Migrator.pending()`: the quick reading of the scripts agrees with alembic in every state, and
falls back to alembic whenever it cannot give a plain "up to date"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.instance import Instance
from core.migrate import Migrator, ScriptHeader, read_header, read_headers, up_to_date
from core.testing import make_config
from tests.fixture_modules.alpha.module import AlphaModule

ROOT = Path(__file__).resolve().parent.parent


async def _pending_by_alembic(migrator: Migrator) -> list[str]:
    status = await migrator.status()
    return [
        name for name, row in status.items() if row["enabled"] and row["current"] != row["head"]
    ]


async def test_pending_agrees_with_alembic_in_every_state(database_url, tmp_path):
    instance = Instance(
        make_config(database_url, tmp_path, ["alpha"]), extra_modules=[AlphaModule()]
    )
    migrator = instance.migrator
    core_only = Migrator(instance.db, migrator.installed, [])
    try:
        assert await migrator.pending() == await _pending_by_alembic(migrator) == ["core", "alpha"]
        await core_only.upgrade()
        assert await migrator.pending() == await _pending_by_alembic(migrator) == ["alpha"]
        assert await core_only.pending() == []
        await migrator.upgrade()
        assert await migrator.pending() == await _pending_by_alembic(migrator) == []
        assert await migrator._quick_up_to_date()
    finally:
        await instance.db.dispose()


def test_read_header_takes_only_plain_literals(tmp_path):
    plain = tmp_path / "x_0002.py"
    plain.write_text(
        'revision: str = "x_0002"\ndown_revision = "x_0001"\nbranch_labels = None\n'
        'depends_on = "core_0001"\n'
    )
    assert read_header(plain) == ScriptHeader("x_0002", ("x_0001",), ())
    computed = tmp_path / "x_0003.py"
    computed.write_text('revision = "x_" + "0003"\ndown_revision = None\n')
    assert read_header(computed) is None
    twice = tmp_path / "x_0004.py"
    twice.write_text('revision = "x_0004"\nrevision = "x_0005"\n')
    assert read_header(twice) is None
    assert read_headers([tmp_path]) is None


def test_read_headers_lists_what_alembic_reads(tmp_path):
    (tmp_path / "__init__.py").write_text('revision = "not_a_script"\n')
    (tmp_path / "notes.txt").write_text('revision = "not_a_script"\n')
    (tmp_path / "x_0001.py").write_text('revision = "x_0001"\nbranch_labels = ("x",)\n')
    assert set(read_headers([tmp_path, tmp_path / "missing"]) or {}) == {"x_0001"}


def test_up_to_date_only_when_each_branch_head_is_reached():
    headers = {
        "a1": ScriptHeader("a1", (), ("a",)),
        "a2": ScriptHeader("a2", ("a1",), ()),
        "b1": ScriptHeader("b1", (), ("b",)),
    }
    assert up_to_date(headers, ["a2", "b1"], ["a", "b"])
    assert up_to_date(headers, ["a2"], ["a"])
    assert not up_to_date(headers, ["a1", "b1"], ["a", "b"])  # a is behind
    assert not up_to_date(headers, ["a2"], ["a", "b"])  # b never applied
    assert not up_to_date(headers, ["a2", "b1", "zz9"], ["a"])  # unknown to this code
    assert not up_to_date(headers, ["a2"], ["nosuch"])  # a branch without scripts
    forked = {**headers, "a3": ScriptHeader("a3", ("a1",), ())}
    assert not up_to_date(forked, ["a2", "a3"], ["a"])  # two heads: alembic reports it


def test_an_up_to_date_check_does_not_import_alembic(tmp_path):
    """Alembic costs about a fifth of a second of start-up: serving must not need it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NCEN_")}
    (tmp_path / "data").mkdir()
    environ.update(NCEN_DATA_DIR=str(tmp_path / "data"))
    code = """if True:
        import asyncio, sys
        from core.config import load_config
        from core.instance import Instance
        from core.web import create_app

        async def main(upgrade):
            instance = Instance(load_config())
            try:
                if upgrade:
                    await instance.migrator.upgrade()
                else:
                    create_app(instance)
                    print(await instance.migrator.pending(), "alembic" in sys.modules)
            finally:
                await instance.db.dispose()

        asyncio.run(main(sys.argv[1] == "upgrade"))
    """
    for step in ("upgrade", "check"):
        done = subprocess.run(
            [sys.executable, "-c", code, step],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] False"
