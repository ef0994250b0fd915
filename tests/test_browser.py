"""The pages, in a real headless Chromium, against a real `ncen serve`, with every host but the
server's unreachable: GraphiQL renders from the assets the instance ships (an air-gapped network
has no CDN) and reads the schema, and the landing page lists the enabled modules.

Chromium comes from Debian's `chromium` package (`.ci/run` installs it and sets
NCEN_REQUIRE_CHROMIUM, which turns a missing browser into a failure instead of a skip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core.testing.servers import ServedInstance, served_instance

pytestmark = pytest.mark.slow
REQUIRE_CHROMIUM_ENV = "NCEN_REQUIRE_CHROMIUM"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get(REQUIRE_CHROMIUM_ENV):
            pytest.fail(f"{REQUIRE_CHROMIUM_ENV} is set but chromium is not installed")
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    return found


def rendered_dom(url: str, profile: Path, *, budget_ms: int = 15_000) -> str:
    """The DOM after scripts ran, with every host but the loopback one refused."""
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> ServedInstance:
    data_dir = tmp_path_factory.mktemp("browser")
    environ = {"NCEN_GRAPHQL_IDE": "true", "NCEN_GRAPHQL_INTROSPECTION": "true"}
    with served_instance(data_dir, modules=["seizures", "companies"], environ=environ) as served:
        yield served


def test_graphiql_renders_offline_and_reads_the_schema(server: ServedInstance, tmp_path: Path):
    before = len(server.log_tail(10_000).splitlines())
    dom = rendered_dom(f"{server.url}/graphql", tmp_path / "profile")
    assert "graphiql-container" in dom, dom[:2000]  # React rendered GraphiQL from local assets
    requests = server.log_tail(10_000).splitlines()[before:]
    # Every asset came from the instance, and the page asked it for the schema.
    assert any('"GET /graphiql/graphiql.min.js HTTP/1.1" 200' in line for line in requests)
    assert any('"POST /graphql HTTP/1.1" 200' in line for line in requests), requests


def test_the_landing_page_names_the_instance_and_its_modules(
    server: ServedInstance, tmp_path: Path
):
    dom = rendered_dom(f"{server.url}/", tmp_path / "profile")
    assert "seizures" in dom and "companies" in dom
    assert 'href="graphql"' in dom or 'href="/graphql"' in dom
