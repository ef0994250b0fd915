"""`GET /`: a small page saying what this instance is and where to go next.

A browser opening the server's address lands here instead of a 404: the version, the country,
the enabled modules, and links to GraphiQL (when switched on), the health endpoints and the
documentation. Links are relative, so the page also works behind a reverse proxy under a
prefix. It shows nothing the public `modules` and `health` queries do not already answer.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

import core
from core.instance import Instance

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       color: #1f2328; }
h1 { font-size: 1.6rem; margin-bottom: 0; } .sub { color: #59636e; margin-top: .2rem; }
table { border-collapse: collapse; } td, th { text-align: left; padding: .2rem 1rem .2rem 0; }
code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
"""


def landing_page(instance: Instance) -> str:
    config = instance.config
    modules = (
        "".join(
            f"<tr><td><code>{escape(m.name)}</code></td><td>{escape(m.version)}</td>"
            f"<td>{escape(m.label)}</td></tr>"
            for m in instance.modules
        )
        or '<tr><td colspan="3">none: only core services are enabled</td></tr>'
    )
    if config.graphql.ide:
        api = (
            '<li><a href="graphql">GraphiQL</a>: write and run queries in the browser '
            "(sign in with the <code>login</code> mutation, then paste the token into the "
            'Headers tab as <code>{"Authorization": "Bearer &lt;token&gt;"}</code>)</li>'
        )
    else:
        api = "<li>GraphiQL is switched off on this instance (<code>[ncen.graphql] ide</code>)</li>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ncen {escape(core.__version__)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><style>{_STYLE}</style></head>
<body>
<h1>ncen</h1>
<p class="sub">National Customs Enforcement Network · version {escape(core.__version__)} ·
country <code>{escape(config.country)}</code></p>
<h2>The API</h2>
<ul>
{api}
<li><code>POST graphql</code> with a JSON body <code>{{"query": "...", "variables": {{}}}}</code>
and the header <code>Authorization: Bearer &lt;token&gt;</code>: the endpoint for code</li>
<li><a href="healthz">healthz</a> (liveness) and <a href="readyz">readyz</a> (database and
migrations)</li>
</ul>
<h2>Enabled modules</h2>
<table><tr><th>Module</th><th>Version</th><th>Label</th></tr>{modules}</table>
<h2>Documentation</h2>
<p>In the ncen source: <code>README.md</code> (first queries, demo accounts),
<code>docs/graphql.md</code> (authentication, errors, paging, CORS) and
<code>graphql/operations/</code> (an example operation for every module and service).</p>
</body></html>
"""


async def landing(request: Request) -> HTMLResponse:
    return HTMLResponse(landing_page(request.app.state.instance))
