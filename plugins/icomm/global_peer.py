"""icomm's transport for the sharing of records with the global database (core/sharing): the
`GlobalPeerSender` that core's export log hands payloads to, and the receiving side that hands
what a national peer shares to `receive_global`.

The global database is the peer registered under the name core's export log uses (`global`),
with an agreement valid today for sending. A payload travels in a signed envelope of kind
`share` whose id is derived from the export entry and its payload's hash, so a repeated
delivery (after a crash, or from several workers) is recognised by the receiver and applied
once. The receiver's signed receipt acknowledges the entry; a refusal (a nominal field, a
sender of another country, an instance that is not the global database) raises, so the export
log marks the entry failed with the reason and retries it later.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import SYSTEM, record
from core.instance import Instance
from core.sharing.exports import Delivery, acknowledge, dispatch_pending, set_global_sender
from plugins.icomm.envelopes import SHARE_KIND, Envelope, EnvelopeRefused, sign, timestamp
from plugins.icomm.keys import own_key_id, signing_key
from plugins.icomm.models import SEND, Peer
from plugins.icomm.peers import valid_agreement

ENTITY = "IcommEnvelope"
_NAMESPACE = uuid.UUID("0b7f3c8e-6a59-4d0e-9a43-5a1f2b7c9e11")


class IcommGlobalSender:
    """Delivers export entries to the peer the entry names, synchronously (core waits)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    async def send(self, delivery: Delivery) -> None:
        from plugins.icomm.delivery import _post

        instance = self.instance
        async with instance.db.session() as session:
            peer = (await session.scalars(select(Peer).where(Peer.name == delivery.peer))).first()
            if peer is None:
                raise RuntimeError(f"no connected instance named {delivery.peer!r} (ncen peer add)")
            agreement = await valid_agreement(session, peer.id, SEND)
            if agreement is None:
                raise RuntimeError(f"no agreement with {peer.name!r} valid today for sending")
        key = f"{own_key_id(instance)}:{delivery.entry_id}:{delivery.payload_sha256}"
        envelope = Envelope(
            id=str(uuid.uuid5(_NAMESPACE, key)),
            kind=SHARE_KIND,
            sender=own_key_id(instance),
            recipient=peer.key_id,
            sent_at=timestamp(),
            agreement=agreement.reference,
            body={"entry": delivery.entry_id, "payload": delivery.payload},
        )
        results = await _post(instance, peer, [sign(envelope, signing_key(instance))])
        result = results.get(envelope.id) or {}
        status = result.get("status")
        async with instance.db.transaction() as session:
            await record(
                session,
                actor=SYSTEM,
                action="icomm.envelope.sent" if status != "refused" else "icomm.envelope.failed",
                entity_type=ENTITY,
                entity_id=envelope.id,
                detail={
                    "kind": SHARE_KIND,
                    "peer": peer.name,
                    "legal_basis": agreement.legal_basis[:500],
                    "agreement": agreement.reference,
                    "entry": delivery.entry_id,
                    "error": result.get("message") if status == "refused" else None,
                },
            )
            if status in ("delivered", "duplicate"):
                await acknowledge(instance, delivery.entry_id, session)
        if status not in ("delivered", "duplicate"):
            raise RuntimeError(
                f"{peer.name} refused the payload: {result.get('reason')}: {result.get('message')}"
            )


async def install(instance: Instance) -> None:
    """Become core's sender to the global database, and send what waited for one."""
    set_global_sender(instance, IcommGlobalSender(instance))
    await dispatch_pending(instance)


async def receive_share(
    instance: Instance, session: AsyncSession, peer: Peer, body: dict[str, Any]
) -> None:
    """A payload a national peer shares: stored by `receive_global` in the batch's transaction
    (in a savepoint: a refused payload leaves nothing)."""
    from core.sharing.receive import PayloadRefused
    from core.sharing.received import receive_global

    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise EnvelopeRefused("malformed", "a share carries a payload")
    try:
        async with session.begin_nested():
            await receive_global(
                instance,
                payload,
                sender=peer.name,
                sender_country=peer.country or "",
                session=session,
            )
    except PayloadRefused as exc:
        fields = ", ".join(exc.fields[:20])
        raise EnvelopeRefused(
            exc.code.lower(), f"{exc}" + (f" ({fields})" if fields else "")
        ) from None
