"""`ncen demo --seizures N`: deterministic synthetic cases that pass the module's own rules."""

from __future__ import annotations

import datetime as dt
import random

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from core.cli import cli
from plugins.seizures import demo
from plugins.seizures.forms import SIMPLIFIED, missing_fields


def test_the_generator_is_deterministic_and_fills_the_simplified_form():
    def generate() -> list:
        rng = random.Random(5)
        return [demo.make_case(rng, f"XX-2025-{i:06d}", dt.date(2025, 1, 1)) for i in range(50)]

    first, again = generate(), generate()
    assert [(c.area, c.place_name, c.goods[0].quantity) for c in first] == [
        (c.area, c.place_name, c.goods[0].quantity) for c in again
    ]
    assert all(missing_fields(case, SIMPLIFIED) == [] for case in first)
    assert len({c.area for c in first}) > 3 and len({c.detection_method for c in first}) > 3


def test_ncen_demo_loads_the_requested_number_of_seizures(tmp_path):
    env = {"NCEN_DATA_DIR": str(tmp_path), "NCEN_MODULES": "seizures"}
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], obj={}, env=env).exit_code == 0
    result = runner.invoke(cli, ["demo", "--seizures", "25"], obj={}, env=env)
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'ncen.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM seizures_case")).scalar() == 25
        references = (
            conn.execute(text("SELECT reference FROM seizures_case ORDER BY id")).scalars().all()
        )
    assert references[0] == "XX-2025-000001" and references[-1] == "XX-2025-000025"
    refused = runner.invoke(cli, ["demo", "--companies", "3"], obj={}, env=env)
    assert refused.exit_code != 0 and "no enabled module named 'companies'" in refused.output
