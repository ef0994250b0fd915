"""The GraphQL schema is a contract: its SDL is committed (its example operations run in
test_operations.py).

`graphql/schema.graphql` is what `ncen graphql export` prints with every built-in module, so a
change to the API shows up in review as a diff of that file (`make schema` rewrites it).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from click.testing import CliRunner
from strawberry.printer import print_schema

from core.cli import cli
from core.config import BUILTIN_MODULES, Config
from core.instance import Instance

REPO = Path(__file__).resolve().parent.parent
GRAPHQL_DIR = REPO / "graphql"
SDL = GRAPHQL_DIR / "schema.graphql"


def exported_sdl(tmp_path: Path) -> str:
    """What `ncen graphql export` prints; building the schema needs no database access."""
    config = Config(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        modules=BUILTIN_MODULES,
    )
    return print_schema(Instance(config).schema) + "\n"


def test_committed_schema_is_the_exported_one(tmp_path: Path) -> None:
    committed = SDL.read_text(encoding="utf-8") if SDL.exists() else ""
    assert committed == exported_sdl(tmp_path), (
        "graphql/schema.graphql is not the schema the code builds: run `make schema` and "
        "commit the result (review its diff: it is the API change clients will see)"
    )


def test_export_command_prints_the_same_schema(tmp_path: Path) -> None:
    """`make schema` runs the CLI with default settings; it must agree with the test above."""
    env = {"NCEN_CONFIG": None, "NCEN_MODULES": None, "NCEN_DATA_DIR": str(tmp_path)}
    result = CliRunner(env=env).invoke(cli, ["graphql", "export"], obj={})
    assert result.exit_code == 0, result.output
    assert result.output == exported_sdl(tmp_path)


def test_graphql_folder_does_not_shadow_graphql_core() -> None:
    assert not (GRAPHQL_DIR / "__init__.py").exists(), (
        "graphql/__init__.py would make the folder shadow the graphql-core package"
    )
    spec = importlib.util.find_spec("graphql")
    assert spec is not None and spec.origin is not None
    assert "site-packages" in Path(spec.origin).parts
    assert GRAPHQL_DIR not in Path(spec.origin).parents
