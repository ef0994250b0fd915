"""`GET /` says what the instance is and leads to GraphiQL, the health checks and the docs."""

from __future__ import annotations

from urllib.parse import urljoin

import core
from core.config import GraphQLSettings
from tests.test_ide import HTML, references


async def test_landing_page_names_version_modules_and_links(make_app) -> None:
    app = await make_app(modules=["seizures", "companies"], graphql=GraphQLSettings(ide=True))
    response = await app.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"version {core.__version__}" in page
    assert "<code>seizures</code>" in page and "<code>companies</code>" in page
    assert "<code>suspects</code>" not in page  # not enabled, not shown
    assert "://" not in page
    links = [url for url in references(page) if not url.startswith("data:")]
    assert links == ["graphql", "healthz", "readyz"]
    for link in links:
        target = await app.client.get(urljoin("/", link), headers=HTML)
        assert target.status_code == 200, link
    assert "GraphiQL" in (await app.client.get("/graphql", headers=HTML)).text


async def test_landing_page_without_the_ide(make_app) -> None:
    app = await make_app(modules=[], graphql=GraphQLSettings(ide=False))
    page = (await app.client.get("/")).text
    assert 'href="graphql"' not in page and "switched off" in page
    assert "none: only core services" in page
