"""The update manager in-process, on both engines: the repository tool and the TUF checks
(a release refused is refused with a clear message and nothing changed), data-only updates
through GraphQL (one transaction, audited), permissions, settings and the journal's recovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata

from core.audit.models import AuditEvent
from core.audit.writer import SYSTEM
from core.testing import login_as
from plugins.update_manager import service
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.journal import Journal
from plugins.update_manager.manifest import Manifest
from plugins.update_manager.models import UpdateHistory
from plugins.update_manager.repository import DirectoryRepository, add_release, publish
from plugins.update_manager.trust import Source
from tests.update_helpers import build_repository, data_spec, write_spec

DATA = "ncen-codelists"
NEW_MODE = {"code": "9X", "labels": {"en": "Hyperloop"}}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with a data release for core's `transport_modes` and an application
    release older than the installed ncen."""
    wheel = tmp_path / "old" / "wheels" / "ncen-0.0.1-py3-none-any.whl"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"not a real wheel: never installed, the release is refused first")
    old = write_spec(
        tmp_path / "old",
        name="ncen",
        kind="application",
        version="0.0.1",
        requirements=["ncen==0.0.1"],
        wheels=["wheels/*.whl"],
    )
    data = data_spec(tmp_path, "2026.2", "transport_modes", [NEW_MODE])
    return build_repository(tmp_path / "build", [data, old])


async def update_app(make_app, repo_dir: Path, **settings):  # type: ignore[no-untyped-def]
    config = {"trusted_root": str(repo_dir / "metadata" / "1.root.json"), **settings}
    return await make_app(
        modules=["update_manager"], code_lists=True, module_settings={"update_manager": config}
    )


def _data_release(found: list[service.Candidate]) -> Manifest:
    return next(c.manifest for c in found if c.manifest.name == DATA)


async def nothing_changed(app) -> None:  # type: ignore[no-untyped-def]
    paths = service.paths_of(app.instance)
    assert Journal.current(paths) is None
    assert not paths.versions.exists() or not any(paths.versions.iterdir())
    async with app.instance.db.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(UpdateHistory)) == 0
        codes = await session.scalars(
            sa.text(
                "SELECT e.code FROM core_codelist_entry e JOIN core_codelist l ON l.id = e.list_id "
                "WHERE l.name = 'transport_modes'"
            )
        )
        assert "9X" not in set(codes)


async def test_check_lists_releases_and_says_which_apply(make_app, repo):
    repo_dir, _keys = repo
    app = await update_app(make_app, repo_dir)
    found = await service.check(app.instance, repo_dir)
    by_name = {c.manifest.name: c for c in found}
    assert by_name[DATA].applicable and by_name[DATA].installed is None
    assert not by_name["ncen"].applicable
    assert "older than the installed version 0.1.0" in by_name["ncen"].reason
    # The media was copied into the data dir: later checks work without it.
    assert (service.paths_of(app.instance).media / "metadata" / "timestamp.json").exists()
    assert [c.manifest.key for c in await service.check(app.instance)] == [
        c.manifest.key for c in found
    ]


async def test_data_update_through_graphql_in_one_transaction_audited(make_app, repo):
    repo_dir, _keys = repo
    app = await update_app(make_app, repo_dir, repository_url=str(repo_dir))
    admin = await login_as(app, "boss", "admin")
    officer = await login_as(app, "clerk", "officer")

    denied = await app.gql("{ updateStatus { policy } }", token=officer, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    body = await app.gql(
        "{ availableUpdates(refresh: true) { name kind version applicable reason } }",
        token=admin,
    )
    releases = {r["name"]: r for r in body["data"]["availableUpdates"]}
    assert releases[DATA] == {
        "name": DATA,
        "kind": "data",
        "version": "2026.2",
        "applicable": True,
        "reason": "applicable",
    }
    applied = await app.gql(
        'mutation { applyUpdate(name: "ncen-codelists", version: "2026.2") '
        "{ accepted applied message } }",
        token=admin,
    )
    assert applied["data"]["applyUpdate"]["applied"] is True
    modes = await app.gql(
        '{ codeList(name: "transport_modes") { entries { code label } } }', token=admin
    )
    assert {"code": "9X", "label": "Hyperloop"} in modes["data"]["codeList"]["entries"]

    status = await app.gql(
        "{ updateStatus { installed history { name version state actorName } } }", token=admin
    )
    assert "ncen-codelists 2026.2 (data)" in status["data"]["updateStatus"]["installed"]
    assert status["data"]["updateStatus"]["history"] == [
        {"name": DATA, "version": "2026.2", "state": "applied", "actorName": "boss"}
    ]
    again = await app.gql(
        'mutation { applyUpdate(name: "ncen-codelists", version: "2026.2") { accepted } }',
        token=admin,
        expect_errors=True,
    )
    error = again["errors"][0]
    assert "the same as the installed version 2026.2" in error["message"]
    assert error["extensions"]["code"] == "UPDATE_REFUSED"
    async with app.instance.db.session() as session:
        actions = list(
            await session.execute(
                sa.select(AuditEvent.action, AuditEvent.actor_name).where(
                    AuditEvent.action.like("update.%")
                )
            )
        )
    assert actions == [("update.applied", "boss"), ("update.refused", "boss")]


async def test_code_updates_through_graphql_need_the_launcher(make_app, repo, tmp_path):
    repo_dir, _keys = repo
    spec = write_spec(
        tmp_path / "new",
        name="ncen",
        kind="application",
        version="9.0.0",
        requirements=["ncen==9.0.0"],
    )
    add_release(DirectoryRepository(repo_dir, _keys), spec)
    publish(DirectoryRepository(repo_dir, _keys))
    app = await update_app(make_app, repo_dir, repository_url=str(repo_dir))
    admin = await login_as(app, "boss", "admin")
    await app.gql("{ availableUpdates(refresh: true) { name } }", token=admin)
    body = await app.gql(
        'mutation { applyUpdate(name: "ncen", version: "9.0.0") { accepted } }',
        token=admin,
        expect_errors=True,
    )
    assert "does not run under ncen-launcher" in body["errors"][0]["message"]
    assert Journal.current(service.paths_of(app.instance)) is None


def _resign(path: Path, signer: CryptoSigner) -> None:
    md = Metadata.from_file(str(path))
    md.signatures.clear()
    md.sign(signer)
    md.to_file(str(path))


def tamper(kind: str, repo_dir: Path, keys: Path, bundle: Path) -> str:
    """Spoil the repository in one way; return what the refusal must say."""
    if kind == "tampered target":
        data = bytearray(bundle.read_bytes())
        data[len(data) // 2] ^= 0xFF
        bundle.write_bytes(bytes(data))
        return "does not match its signed length and hashes"
    if kind == "larger target":
        bundle.write_bytes(bundle.read_bytes() + b"\0" * 4096)
        return "larger than its signed length"
    if kind == "wrong signature":
        _resign(repo_dir / "metadata" / "timestamp.json", CryptoSigner.generate_ed25519())
        return "not signed by the trusted keys"
    if kind == "expired metadata":
        publish(DirectoryRepository(repo_dir, keys, {"timestamp": -1}))
        return "expired metadata"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["tampered target", "larger target", "wrong signature", "expired metadata"]
)
async def test_a_spoiled_repository_is_refused_and_nothing_changes(make_app, repo, kind):
    repo_dir, keys = repo
    app = await update_app(make_app, repo_dir)
    bundle = repo_dir / "targets" / "bundles" / "ncen-codelists-2026.2.tar.gz"
    expected = tamper(kind, repo_dir, keys, bundle)
    source = Source(str(repo_dir))
    with pytest.raises(UpdateError, match=expected) as refused:
        found = await service.check(app.instance, repo_dir)
        await service.apply(app.instance, _data_release(found), SYSTEM, source=source)
    assert "refused" in str(refused.value)
    await nothing_changed(app)


async def test_an_older_version_than_installed_is_refused(make_app, repo):
    repo_dir, _keys = repo
    app = await update_app(make_app, repo_dir)
    found = await service.check(app.instance, repo_dir)
    older = next(c.manifest for c in found if c.manifest.name == "ncen")
    with pytest.raises(
        UpdateError, match=r"ncen 0.0.1 is older than the installed version 0.1.0: refused"
    ):
        await service.apply(app.instance, older, SYSTEM, source=Source(str(repo_dir)))
    await nothing_changed(app)


async def test_an_interrupted_data_apply_is_closed_at_the_next_start(make_app, repo):
    """A journal left by a crash before the data transaction committed: recovery closes it
    as rolled back, and nothing of the release is in the database."""
    repo_dir, _keys = repo
    app = await update_app(make_app, repo_dir)
    found = await service.check(app.instance, repo_dir)
    paths = service.paths_of(app.instance)
    journal = Journal.new(
        paths, _data_release(found), {"type": "cli", "name": "x"}, "verified", None
    )
    journal.advance("checked", previous_environment="base")
    message = await service.recover(app.instance)
    assert message == "ncen-codelists 2026.2 was interrupted at `checked` and rolled back"
    assert Journal.current(paths) is None
    archived = json.loads((paths.journal_archive / f"{journal.id}.json").read_text())
    assert archived["state"] == "rolled_back"
    await nothing_changed(app)


async def test_a_bad_maintenance_window_is_a_start_up_error(make_app, repo):
    repo_dir, _keys = repo
    with pytest.raises(UpdateError, match="maintenance_window: '25:00-26:00' is not HH:MM-HH:MM"):
        await update_app(make_app, repo_dir, maintenance_window="25:00-26:00")


async def test_the_periodic_check_follows_the_policy(make_app, repo, tmp_path):
    """`notify` reports, `data` applies data-only releases, `all` requests code releases only
    inside the maintenance window and under the launcher."""
    import datetime as dt

    from plugins.update_manager import checker

    repo_dir, keys = repo
    spec = write_spec(
        tmp_path / "new",
        name="ncen",
        kind="application",
        version="9.0.0",
        requirements=["ncen==9.0.0"],
    )
    add_release(DirectoryRepository(repo_dir, keys), spec)
    publish(DirectoryRepository(repo_dir, keys))

    notify = await update_app(make_app, repo_dir, repository_url=str(repo_dir))
    done = await checker.run_once(notify.instance)
    assert done == ["available: ncen 9.0.0 (application)", f"available: {DATA} 2026.2 (data)"]
    await nothing_changed(notify)
    await notify.close()

    everything = await update_app(
        make_app,
        repo_dir,
        repository_url=str(repo_dir),
        policy="all",
        maintenance_window="23:00-01:00",
    )
    outside = await checker.run_once(everything.instance, now=dt.datetime(2026, 1, 1, 12, 0))
    # A data release carries whole lists: the ten shipped modes it lacks go (none is in use).
    assert outside[-1] == f"{DATA} 2026.2 applied: code lists transport_modes (+1 ~0 -10)"
    inside = await checker.run_once(everything.instance, now=dt.datetime(2026, 1, 1, 0, 30))
    assert inside == [
        "available: ncen 9.0.0 (application)",
        "policy `all`: not served through ncen-launcher, nothing requested",
    ]
    assert Journal.current(service.paths_of(everything.instance)) is None
