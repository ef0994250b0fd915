"""`ncen codelists sync` and `ncen codelists import FILE` against a real database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner, Result

from core.cli import cli


def _ncen(args: list[str], database_url: str, data_dir: Path) -> Result:
    env = {"NCEN_DATABASE_URL": database_url, "NCEN_DATA_DIR": str(data_dir), "NCEN_MODULES": ""}
    return CliRunner().invoke(cli, args, obj={}, env=env, catch_exceptions=False)


async def test_sync_then_import_national_entries(make_app, database_url, tmp_path):
    data_dir = tmp_path / "cli"

    async def ncen(*args: str) -> Result:
        # The CLI runs its own event loop, so it gets a thread of its own.
        return await asyncio.to_thread(_ncen, list(args), database_url, data_dir)

    upgraded = await ncen("db", "upgrade")  # syncs the shipped lists after the schema
    assert upgraded.exit_code == 0, upgraded.output
    result = await ncen("codelists", "sync")
    assert result.exit_code == 0, result.output
    assert "countries" in result.output and "249" not in result.output  # nothing left to add

    path = tmp_path / "national.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "offices",
                    "labels": {"en": "Customs offices"},
                    "entries": [
                        {"code": "XX-PORT-1", "parent": "XX-HQ", "labels": {"en": "Port"}},
                        {"code": "XX-HQ", "labels": {"en": "Headquarters", "fr": "Siège"}},
                    ],
                },
                {"name": "units", "entries": [{"code": "KGM", "labels": {"ru": "килограмм"}}]},
            ]
        )
    )
    result = await ncen("codelists", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 list(s) created, 2 entr(ies) added, 1 updated" in result.output

    app = await make_app(modules=[])
    body = await app.gql(
        '{ offices: codeList(name: "offices", language: "fr") { entries { code label parent } }'
        ' units: codeList(name: "units", language: "ru") { entries { code label sortOrder } } }'
    )
    offices = {e["code"]: e for e in body["data"]["offices"]["entries"]}
    assert offices["XX-HQ"]["label"] == "Siège"
    assert offices["XX-PORT-1"] == {"code": "XX-PORT-1", "label": "Port", "parent": "XX-HQ"}
    kilogram = next(e for e in body["data"]["units"]["entries"] if e["code"] == "KGM")
    assert kilogram == {"code": "KGM", "label": "килограмм", "sortOrder": 10}

    path.write_text('{"name": "units", "entries": [{"code": "KGM", "sort": "first"}]}')
    result = await ncen("codelists", "import", str(path))
    assert result.exit_code == 1
    assert "`sort` must be an integer" in result.output
