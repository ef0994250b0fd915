"""`ncen instance key` and `ncen peer ...`: what an operator types, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.cli import cli
from core.instance_key import key_id, public_hex, public_key_from_hex


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {"NCEN_DATA_DIR": str(tmp_path / "data"), "NCEN_MODULES": "icomm"}
    result = CliRunner().invoke(cli, ["init"], obj={}, env=environ)
    assert result.exit_code == 0, result.output
    return environ


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), obj={}, env=env)


def test_instance_key_is_stable_and_registered_peers_are_listed(env: dict[str, str]) -> None:
    first = run(env, "instance", "key")
    assert first.exit_code == 0
    public = first.stdout.strip()
    assert run(env, "instance", "key").stdout.strip() == public  # made once, kept
    assert f"key id: {key_id(public_key_from_hex(public))}" in first.stderr

    other = public_hex(Ed25519PrivateKey.generate().public_key())
    added = run(env, "peer", "add", "Lisbon", "https://ncen.example.pt/", "--key", other)
    assert added.exit_code == 0 and "added peer lisbon" in added.stdout
    agreed = run(
        env,
        "peer",
        "agree",
        "lisbon",
        "--legal-basis",
        "Naples II Convention, art. 7",
        "--reference",
        "MOU-PT-2026",
        "--until",
        "2020-01-01",
        "--from",
        "2019-01-01",
    )
    assert agreed.exit_code == 0, agreed.output
    shown = run(env, "peer", "show", "lisbon").stdout
    assert "https://ncen.example.pt" in shown and "MOU-PT-2026" in shown
    assert "not valid today" in shown
    assert "lisbon" in run(env, "peer", "list").stdout
    again = run(env, "peer", "agree", "lisbon", "--legal-basis", "MoU", "--reference", "MOU-2")
    assert again.stdout.startswith("agreement 2 with lisbon")
    revoked = run(env, "peer", "revoke", "2")
    assert revoked.exit_code == 0 and "revoked agreement 2" in revoked.stdout
    shown = run(env, "peer", "show", "lisbon").stdout
    assert "MOU-2" in shown and "revoked" in shown  # kept on record, allowing nothing
    assert "already" in run(env, "peer", "revoke", "2").stderr
    assert run(env, "peer", "disagree", "2").exit_code == 0
    assert run(env, "peer", "disagree", "1").exit_code == 0
    assert "no agreement" in run(env, "peer", "show", "lisbon").stdout
    assert run(env, "peer", "remove", "lisbon").exit_code == 0
    assert run(env, "peer", "list").stdout.strip() == "no peer"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("peer", "add", "x", "https://x.pt", "--key", "abc"), "Ed25519 public key"),
        (("peer", "add", "x", "ftp://x.pt", "--key", "0" * 64), "http(s) URL"),
        (("peer", "show", "nobody"), "no peer 'nobody'"),
        (("peer", "remove", "nobody"), "no peer 'nobody'"),
        (("peer", "agree", "nobody", "--legal-basis", "x", "--reference", "r"), "no peer"),
        (("peer", "disagree", "99"), "no agreement 99"),
        (("peer", "revoke", "99"), "no agreement 99"),
    ],
)
def test_operator_errors_are_one_line(env: dict[str, str], args, fragment: str) -> None:  # type: ignore[no-untyped-def]
    result = run(env, *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], lines
