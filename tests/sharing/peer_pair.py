"""Two national instances in-process, each with its own database and data dir, registered as
each other's peers; each one's icomm client speaks to the other's ASGI app, so envelopes
travel the real transport (signed, checked, receipted) without sockets."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio

from core.instance_key import public_hex
from core.testing import login_as, make_config, start_app
from core.testing.apps import TestApp
from core.testing.databases import POSTGRESQL_ENV, create_pg_database, drop_pg_database
from plugins.icomm.keys import signing_key
from plugins.icomm.peers import AgreementInput, add_agreement, add_peer

MODULES = ["suspects", "companies", "seizures", "icomm"]
BASIS = "Naples II Convention, art. 7 (mutual assistance)"


@dataclass
class Pair:
    nl: TestApp
    be: TestApp
    tokens: dict[str, dict[str, str]]


async def agree(
    app: TestApp,
    peer: str,
    reference: str,
    *,
    record_types: tuple[str, ...] = ("Person", "Company", "Seizure"),
    nominal: bool = True,
    direction: str = "both",
) -> int:
    agreement = await add_agreement(
        app.instance,
        "tests",
        peer,
        AgreementInput(
            BASIS,
            reference,
            dt.date.today(),
            direction=direction,
            record_types=record_types,
            nominal=nominal,
        ),
    )
    return agreement.id


@contextlib.asynccontextmanager
async def connected(
    database_url: str,
    tmp_path: Path,
    modules: Sequence[str] = MODULES,
    extra_modules: Sequence[Any] = (),
) -> AsyncIterator[Pair]:
    """Two instances (NL and BE) on the engine of `database_url`, each its own database."""
    created: list[str] = []
    urls = [database_url]
    if database_url.startswith("sqlite"):
        urls.append(f"sqlite+aiosqlite:///{tmp_path / 'be.db'}")
    else:
        name, url = await create_pg_database(os.environ[POSTGRESQL_ENV])
        created.append(name)
        urls.append(url)
    apps = []
    try:
        for url, name, country in zip(urls, ("nl", "be"), ("NL", "BE"), strict=True):
            config = make_config(url, tmp_path / name, modules, country=country)
            apps.append(await start_app(config, extra_modules, code_lists=True))
        nl, be = apps
        for here, there, there_name, country in ((nl, be, "be", "BE"), (be, nl, "nl", "NL")):
            key = public_hex(signing_key(there.instance).public_key())
            await add_peer(
                here.instance, "tests", there_name, f"http://{there_name}.test", key, country
            )
            here.instance.state["icomm.http_client"] = there.client
        tokens = {}
        for name, app in (("nl", nl), ("be", be)):
            tokens[name] = {
                "officer": await login_as(app, f"officer-{name}", "officer"),
                "validator": await login_as(app, f"validator-{name}", "validator"),
                "analyst": await login_as(app, f"analyst-{name}", "analyst"),
            }
        yield Pair(nl, be, tokens)
    finally:
        for app in apps:
            app.instance.state.pop("icomm.http_client", None)  # the other's client, closed there
            await app.close()
        for name in created:
            await drop_pg_database(os.environ[POSTGRESQL_ENV], name)


@pytest_asyncio.fixture
async def pair(database_url: str, tmp_path: Path) -> AsyncIterator[Pair]:
    async with connected(database_url, tmp_path) as found:
        yield found
