"""The pytest plugin of the kit (entry point `ncen` in the `pytest11` group): the
`database_url` and `make_app` fixtures. See core/testing/__init__.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from core.testing.databases import (
    ENGINES,
    POSTGRESQL_ENV,
    create_pg_database,
    drop_pg_database,
    postgresql_server,
)

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the kit needs it; say so where it is used
    pytest_asyncio = None  # type: ignore[assignment]  # the fixtures below say it is missing

MakeApp = Callable[..., Any]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: runs against the PostgreSQL server named by " + POSTGRESQL_ENV
    )
    config.addinivalue_line("markers", "slow: starts processes or servers")


if pytest_asyncio is None:

    @pytest.fixture
    def database_url() -> None:
        pytest.fail("the ncen test kit needs pytest-asyncio: pip install 'ncen[testing]'")

    @pytest.fixture
    def make_app() -> None:
        pytest.fail("the ncen test kit needs pytest-asyncio: pip install 'ncen[testing]'")

else:

    @pytest_asyncio.fixture(params=ENGINES)
    async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
        """A new, empty database on the engine of this run."""
        if request.param == "sqlite":
            yield f"sqlite+aiosqlite:///{tmp_path / 'ncen.db'}"
            return
        base = postgresql_server()
        name, url = await create_pg_database(base)
        try:
            yield url
        finally:
            await drop_pg_database(base, name)

    @pytest_asyncio.fixture
    async def make_app(database_url: str, tmp_path: Path) -> AsyncIterator[MakeApp]:
        """Build started apps over one database:
        `await make_app(modules=[...], extra_modules=[...], code_lists=False, **config)`.

        `modules` are the enabled modules (default: the built-in ones), `extra_modules` plugin
        objects given in-process (not installed), `code_lists=True` syncs the shipped code lists
        as `ncen db upgrade` does, and other keywords are `Config` fields. Several apps built in
        one test share the database and data dir, so a test can disable and re-enable modules
        over the same data. Every app is closed at the end of the test.
        """
        from core.config import BUILTIN_MODULES
        from core.testing.apps import TestApp, make_config, start_app

        apps: list[TestApp] = []

        async def factory(
            modules: Sequence[str] = BUILTIN_MODULES,
            extra_modules: Sequence[Any] = (),
            *,
            code_lists: bool = False,
            **overrides: Any,
        ) -> TestApp:
            config = make_config(database_url, tmp_path / "data", modules, **overrides)
            app = await start_app(config, extra_modules, code_lists=code_lists)
            apps.append(app)
            return app

        yield factory
        for app in reversed(apps):
            await app.close()
