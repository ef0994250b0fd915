"""Cross-origin requests: which browser pages on other origins may call the API.

A frontend served by its own dev server (`http://localhost:5173`) or from another host calls
`/graphql` and `/attachments` across origins; the browser first sends a preflight `OPTIONS`
asking whether `POST` with `Authorization` and `Content-Type: application/json` is allowed.
Origins are listed in `[ncen.server] cors_origins`; with none (the default) no CORS header is
ever sent and only same-origin pages can call the API.

Credentials travel in the `Authorization` header, never in cookies, so responses do not allow
credentials (`Access-Control-Allow-Credentials` is never sent): a page of an allowed origin can
use a token it holds, and a page of any other origin gains nothing from a user's browser.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from core.audit.writer import PURPOSE_HEADER

ALLOWED_METHODS = ("GET", "POST")
# What ncen reads from a request beyond the CORS-safelisted headers.
ALLOWED_HEADERS = ("Authorization", "Content-Type", PURPOSE_HEADER)
# Headers a script may read from a response besides the safelisted ones.
EXPOSED_HEADERS = ("WWW-Authenticate",)
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The middleware for `origins`, or none at all when no origin is allowed."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
