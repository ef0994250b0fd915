"""Photos that cross instances with a message: carried in the envelope (base64 of the file the
sender's attachment store keeps), checked and re-encoded by the receiver's store as any upload
is, then attached to the received message.

The receiver stores them before the batch's transaction (storing writes files and its own
row), and only for envelopes whose signature verifies with a registered peer's key: nobody
else can make it decode an image. A stored photo whose envelope is then refused stays an
unattached upload of the instance, removed with the other stale uploads.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments.images import ImageRejected
from core.instance import Instance
from core.instance_key import public_key_from_hex
from plugins.icomm.envelopes import MESSAGE_KIND, EnvelopeRefused, parse, verify
from plugins.icomm.messaging import ATTACHMENT_ENTITY, MAX_ATTACHMENTS

BAD = "bad"  # marks an envelope whose photos could not be stored


async def outgoing(
    instance: Instance, session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The photos of each message, ready for its envelope."""
    service = instance.attachments
    found = await service.list_for(session, ATTACHMENT_ENTITY, list(message_ids))
    result: dict[int, list[dict[str, Any]]] = {}
    for message_id, items in zip(message_ids, found, strict=True):
        if not items:
            continue
        carried = []
        for item in items:  # file names stay home: they may name people
            data = await service.content.read(item.sha256)
            carried.append(
                {"media_type": item.media_type, "data": base64.b64encode(data).decode("ascii")}
            )
        result[message_id] = carried
    return result


async def incoming(instance: Instance, wires: Sequence[Any]) -> dict[str, list[str] | str]:
    """Store the photos of the verified message envelopes: envelope id -> attachment ids (or
    BAD when one is not an acceptable image)."""
    from plugins.icomm.receive import _peer  # one lookup per key, as the batch does

    verified: list[tuple[str, list[Any]]] = []
    async with instance.db.session() as session:
        for wire in wires:
            content = wire.get("envelope") if isinstance(wire, dict) else None
            body = content.get("body") if isinstance(content, dict) else None
            if not isinstance(body, dict) or not body.get("attachments"):
                continue  # nothing to store: the envelope is checked with the batch
            try:
                envelope, data, signature = parse(wire)
            except EnvelopeRefused:
                continue
            photos = envelope.body.get("attachments")
            if envelope.kind != MESSAGE_KIND or not photos:
                continue
            peer = await _peer(session, envelope.sender)
            if peer is None:
                continue
            try:
                verify(data, signature, public_key_from_hex(peer.public_key))
            except EnvelopeRefused:
                continue
            verified.append((envelope.id, photos))
    stored: dict[str, list[str] | str] = {}
    for envelope_id, photos in verified:
        try:
            stored[envelope_id] = await _store(instance, photos)
        except (ImageRejected, ValueError, TypeError, KeyError, binascii.Error):
            stored[envelope_id] = BAD
    return stored


async def _store(instance: Instance, photos: Any) -> list[str]:
    if not isinstance(photos, list) or len(photos) > MAX_ATTACHMENTS:
        raise ValueError(f"attachments: a list of at most {MAX_ATTACHMENTS}")
    service = instance.attachments
    ids = []
    for photo in photos:
        data = base64.b64decode(photo["data"], validate=True)
        with service.files.temp_file() as (path, fd):
            with os.fdopen(fd, "wb", closefd=False) as out:
                out.write(data)
            image = await service.process(path)
        info = await service.store(image, filename=None, uploaded_by=None)
        ids.append(info.id)
    return ids
