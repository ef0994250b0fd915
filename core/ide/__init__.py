"""GraphiQL, served entirely by the instance: the page at `/graphql`, its scripts at `/graphiql/`.

Nothing is loaded from a CDN, so the IDE works on an air-gapped network. The scripts are
GraphiQL's and React's UMD builds from npm, shipped in `static/` with their licences and a
manifest of versions and hashes; `python -m core.ide.vendor` refreshes them (see that module).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/graphiql"


@cache
def graphiql_page() -> str:
    """The HTML page strawberry's view serves to browsers at `/graphql`."""
    return files(__package__).joinpath("graphiql.html").read_text(encoding="utf-8")


def ide_routes(enabled: bool) -> list[BaseRoute]:
    """The scripts and styles the page loads (compressed on the way: ~1.6 MB, ~0.5 MB
    gzipped), or nothing when the IDE is switched off."""
    if not enabled:
        return []
    static = StaticFiles(directory=str(files(__package__).joinpath("static")))
    return [Mount(ASSETS_PATH, app=GZipMiddleware(static), name="graphiql")]
