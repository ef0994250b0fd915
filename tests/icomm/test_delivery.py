"""Delivery to a peer that cannot be reached: retried beyond the outbox's attempts (a peer may
be down for hours), never dead, until the envelope is `give_up_hours` old; then it fails."""

from __future__ import annotations

import asyncio
import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

from core.config import OutboxSettings
from core.instance_key import public_hex
from core.outbox import DEAD, OutboxRow
from core.testing import login_as
from plugins.icomm.models import Envelope
from plugins.icomm.peers import AgreementInput, add_agreement, add_peer
from tests.icomm.helpers import SEND, THREAD


async def envelope(app) -> Envelope:
    async with app.instance.db.session() as session:
        return (await session.scalars(select(Envelope))).one()


async def wait_until(check, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(seconds):
        while True:
            if value := await check():
                return value
            await asyncio.sleep(0.05)


async def test_an_unreachable_peer_is_retried_past_max_attempts_then_given_up(make_app):
    outbox = OutboxSettings(poll_interval=0.05, retry_base_delay=0.0, max_attempts=3)
    app = await make_app(modules=["icomm"], outbox=outbox)
    officer = await login_as(app, "officer1", "officer")
    key = public_hex(Ed25519PrivateKey.generate().public_key())
    await add_peer(app.instance, "tests", "down", "http://127.0.0.1:9", key)
    await add_agreement(
        app.instance, "tests", "down", AgreementInput("MoU", "M-1", dt.date.today())
    )
    message = {"recipients": ["role:liaison@down"], "subject": "s", "body": "b"}
    thread = (await app.gql(SEND, {"input": message}, token=officer))["data"]["sendMessage"]

    async def rows_written() -> bool:
        async with app.instance.db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.handler == "icomm.deliver")
            )
        return count >= 3  # replaced twice: well past max_attempts in all

    await wait_until(rows_written)
    async with app.instance.db.session() as session:
        dead = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == DEAD)
        )
    assert dead == 0
    queued = await envelope(app)
    assert queued.status == "queued" and "down" in (queued.last_error or "")

    # Three days later it is given up, and the sender sees why.
    async with app.instance.db.transaction() as session:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        await session.execute(update(Envelope).values(created_at=old))

    async def failed() -> bool:
        return (await envelope(app)).status == "failed"

    await wait_until(failed)
    [msg] = (await app.gql(THREAD, {"id": thread["id"]}, token=officer))["data"]["thread"][
        "messages"
    ]
    assert msg["delivery"] == "failed" and msg["deliveryError"].startswith("undelivered after")
