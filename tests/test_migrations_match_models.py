"""The migrations of core and of every built-in module create exactly what the models declare.

Core packages with tables must register their models through a core plugin's `register_models`
(see `core_plugins()` in core/instance.py) so that they are imported and checked here.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core.config import BUILTIN_MODULES
from core.db import Base
from core.instance import Instance
from core.migrate import VERSION_TABLE
from core.search.postgres_backend import TABLES as SEARCH_TABLES
from core.testing import make_config


async def test_no_drift_between_models_and_migrations(database_url, tmp_path):
    instance = Instance(make_config(database_url, tmp_path, BUILTIN_MODULES))
    prefixes = ("core_", *(f"{name}_" for name in instance.module_names))
    try:
        await instance.migrator.upgrade()

        def diff(connection):
            def include(obj, name, type_, reflected, compare_to):
                if type_ == "table":
                    # The PostgreSQL search index's tables are the backend's layout (tsvector,
                    # GIN), made by core_0021 on PostgreSQL only; tests/test_search_tables.py
                    # checks them.
                    return (
                        name != VERSION_TABLE
                        and name.startswith(prefixes)
                        and name not in SEARCH_TABLES
                    )
                return True

            context = MigrationContext.configure(
                connection, opts={"include_object": include, "compare_type": True}
            )
            return compare_metadata(context, Base.metadata)

        async with instance.db.engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await instance.db.dispose()
    assert differences == [], "models and migrations disagree; write a migration"
