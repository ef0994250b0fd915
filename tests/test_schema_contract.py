"""The GraphQL schema is a contract: its SDL is committed, and its example operations run.

`graphql/schema.graphql` is what `ncen graphql export` prints with every built-in module, so a
change to the API shows up in review as a diff of that file (`make schema` rewrites it).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from strawberry.printer import print_schema

from core.cli import cli
from core.config import BUILTIN_MODULES, Config
from core.instance import Instance

REPO = Path(__file__).resolve().parent.parent
GRAPHQL_DIR = REPO / "graphql"
SDL = GRAPHQL_DIR / "schema.graphql"
OPERATIONS = sorted((GRAPHQL_DIR / "operations").glob("*.graphql"))


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


def test_there_are_example_operations() -> None:
    names = {path.stem for path in OPERATIONS}
    assert {"modules", "health", "node"} <= names
    for path in OPERATIONS:
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: document it"


def load_operation(path: Path) -> tuple[str, dict[str, Any]]:
    """The document and its variables, from the `.json` of the same name when there is one."""
    variables_file = path.with_suffix(".json")
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}
    return path.read_text(encoding="utf-8"), variables


@pytest.mark.parametrize("path", OPERATIONS, ids=[path.name for path in OPERATIONS])
async def test_example_operation_runs_without_errors(make_app, path: Path) -> None:
    document, variables = load_operation(path)
    app = await make_app()  # every built-in module
    body = await app.gql(document, variables)
    assert body["data"], f"{path.name} returned no data"
