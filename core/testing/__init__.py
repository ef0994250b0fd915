"""The kit for testing ncen and its plugins: a pytest plugin (`pytest11` entry point `ncen`,
loaded by pytest wherever ncen is installed) and the helpers its fixtures hand out.

Fixtures (core/testing/plugin.py):

- `database_url`: a new, empty database; every test that uses it runs once on SQLite and once
  on PostgreSQL (skipped unless `NCEN_TEST_POSTGRESQL_URL` names a server).
- `make_app`: `await make_app(modules=[...], extra_modules=[...], code_lists=True)` builds an
  instance over that database, migrated and started, with an HTTP client (`TestApp`).

Helpers: `login_as(app, username, *roles)` creates an account with those roles and signs in,
returning the session token; `app.gql(query, variables, token=...)` runs GraphQL;
`make_config(...)` is the configuration those apps use. `core.testing.servers.served_instance`
runs a real `ncen serve` on a loopback port, for browsers and instances talking to each other.
See docs/writing-plugins.md.
"""

from core.testing.apps import TEST_AUTH, TestApp, create_user, login_as, make_config, start_app
from core.testing.databases import (
    ENGINES,
    POSTGRESQL_ENV,
    REQUIRE_POSTGRESQL_ENV,
    create_pg_database,
    drop_pg_database,
    postgresql_server,
    throwaway_postgresql,
)

__all__ = [
    "ENGINES",
    "POSTGRESQL_ENV",
    "REQUIRE_POSTGRESQL_ENV",
    "TEST_AUTH",
    "TestApp",
    "create_pg_database",
    "create_user",
    "drop_pg_database",
    "login_as",
    "make_config",
    "postgresql_server",
    "start_app",
    "throwaway_postgresql",
]
