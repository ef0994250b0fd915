"""GraphiQL is served from files shipped in the package: the page names no other host."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from importlib.resources import files
from urllib.parse import urljoin, urlsplit

from core.config import GraphQLSettings

HTML = {"accept": "text/html"}
STATIC = files("core.ide").joinpath("static")
IDE_ON = GraphQLSettings(ide=True)  # off by default: production instances leave it off


class _References(HTMLParser):
    """Every URL the page makes the browser load: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    return parser.urls


async def test_the_page_references_no_external_host(make_app) -> None:
    app = await make_app(modules=[], graphql=IDE_ON)
    response = await app.client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert "://" not in page, "the page names a host: everything must come from the instance"
    urls = references(page)
    scripts = [url for url in urls if url.endswith(".js")]
    assert len(scripts) == 3 and any(url.endswith(".css") for url in urls)
    for url in urls:
        if url.startswith("data:"):
            continue
        assert not urlsplit(url).netloc and not url.startswith("/"), url  # relative: same host
        asset = await app.client.get(urljoin("/graphql", url))
        assert asset.status_code == 200, url
        kind = "css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], url
        if kind == "css":
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", asset.text), url
            assert "@import" not in asset.text, url


async def test_assets_are_compressed_and_revalidated(make_app) -> None:
    app = await make_app(modules=[], graphql=IDE_ON)
    url = "/graphiql/graphiql.min.js"
    first = await app.client.get(url, headers={"accept-encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    assert first.content == STATIC.joinpath("graphiql.min.js").read_bytes()  # decoded
    again = await app.client.get(url, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


async def test_no_assets_when_the_ide_is_off(make_app) -> None:
    app = await make_app(modules=[], graphql=GraphQLSettings(ide=False))
    assert (await app.client.get("/graphiql/graphiql.min.js")).status_code == 404


def test_shipped_files_match_their_manifest_and_carry_licences() -> None:
    manifest = json.loads(STATIC.joinpath("manifest.json").read_text())
    shipped = {path.name for path in STATIC.iterdir()} - {"manifest.json"}
    listed: set[str] = set()
    for package in manifest["packages"]:
        assert package["integrity"].startswith("sha512-")
        assert f"{package['package']}.LICENSE.txt" in package["files"], package["package"]
        for name, digest in package["files"].items():
            content = STATIC.joinpath(name).read_bytes()
            assert hashlib.sha256(content).hexdigest() == digest, f"{name} differs from npm's"
        listed |= set(package["files"])
    assert shipped == listed, "every shipped file comes from a package named in the manifest"
