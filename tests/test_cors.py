"""CORS: a frontend on another origin can call the API only when its origin is configured."""

from __future__ import annotations

import pytest

from core.config import ServerSettings, load_config
from core.errors import ConfigError
from core.testing import login_as

UI = "http://localhost:5173"
PREFLIGHT = {
    "origin": UI,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}
ME = {"query": "{ me { user { username } } }"}


async def test_no_origin_is_allowed_by_default(make_app) -> None:
    app = await make_app(modules=[])
    preflight = await app.client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    response = await app.client.post("/graphql", json=ME, headers={"origin": UI})
    assert response.status_code == 200  # answered; the browser keeps it from the page
    assert "access-control-allow-origin" not in response.headers


async def test_preflight_and_request_from_an_allowed_origin(make_app) -> None:
    app = await make_app(modules=[], server=ServerSettings(cors_origins=(UI,)))
    token = await login_as(app, "frontend", "officer")

    preflight = await app.client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == UI
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in preflight.headers
    assert int(preflight.headers["access-control-max-age"]) > 0

    response = await app.client.post(
        "/graphql", json=ME, headers={"origin": UI, "authorization": f"Bearer {token}"}
    )
    assert response.headers["access-control-allow-origin"] == UI
    assert response.json()["data"]["me"]["user"]["username"] == "frontend"
    # The attachment endpoints are behind the same policy.
    upload = await app.client.options(
        "/attachments", headers={**PREFLIGHT, "access-control-request-method": "POST"}
    )
    assert upload.headers["access-control-allow-origin"] == UI


async def test_other_origins_get_no_cors_headers(make_app) -> None:
    app = await make_app(modules=[], server=ServerSettings(cors_origins=(UI,)))
    other = {**PREFLIGHT, "origin": "http://evil.test"}
    preflight = await app.client.options("/graphql", headers=other)
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = await app.client.post("/graphql", json=ME, headers={"origin": "http://evil.test"})
    assert "access-control-allow-origin" not in response.headers
    # A header the API does not read is not allowed either.
    odd = {**PREFLIGHT, "access-control-request-headers": "x-forwarded-user"}
    assert (await app.client.options("/graphql", headers=odd)).status_code == 400


async def test_any_origin(make_app) -> None:
    app = await make_app(modules=[], server=ServerSettings(cors_origins=("*",)))
    preflight = await app.client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_origins_from_the_file_and_the_environment(tmp_path) -> None:
    path = tmp_path / "ncen.toml"
    path.write_text(
        '[ncen.server]\ncors_origins = ["http://localhost:5173", "https://UI.example.org/"]\n'
    )
    config = load_config(path, environ={})
    assert config.server.cors_origins == ("http://localhost:5173", "https://ui.example.org")
    environ = {"NCEN_SERVER_CORS_ORIGINS": "http://127.0.0.1:3000, http://[::1]:3000"}
    config = load_config(path, environ=environ)
    assert config.server.cors_origins == ("http://127.0.0.1:3000", "http://[::1]:3000")
    assert load_config(environ={}).server.cors_origins == ()


@pytest.mark.parametrize(
    "value",
    [
        "localhost:5173",
        "http://ui.test/app",
        "ftp://ui.test",
        "http://ui.test:99999",
        "http://u@ui.test",
    ],
)
def test_a_value_that_is_not_an_origin_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match=r"NCEN_SERVER_CORS_ORIGINS: .* is not an origin"):
        load_config(environ={"NCEN_SERVER_CORS_ORIGINS": value})
