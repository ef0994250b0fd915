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
from plugins.icomm.envelopes import MESSAGE_KIND, RECORD_KIND, EnvelopeRefused, parse, verify
from plugins.icomm.messaging import ATTACHMENT_ENTITY, MAX_ATTACHMENTS

BAD = "bad"  # marks an envelope whose photos could not be stored
# A shared record's photos travel in its envelope (`photoFiles`), at most this many.
MAX_SHARED_PHOTOS = 20
SHARED_PHOTOS = "photoFiles"


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


async def shared_photos(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    """A shared record's envelope body with the photos its payload describes (those a
    validator checked as showing no person: the projection lists no other), read from the
    attachment store at the time of sending. A file missing here is left out; the payload
    still describes it."""
    payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    files = []
    for photo in (data.get("photos") or [])[:MAX_SHARED_PHOTOS]:
        try:
            content = await instance.attachments.content.read(photo["sha256"])
        except FileNotFoundError:
            continue
        files.append(
            {
                "id": photo["id"],
                "media_type": photo["mediaType"],
                "data": base64.b64encode(content).decode("ascii"),
            }
        )
    return {**body, SHARED_PHOTOS: files} if files else body


def _carried(envelope_kind: str, body: Any) -> Any:
    """The photos an envelope carries: a message's attachments, a shared record's photos."""
    if not isinstance(body, dict):
        return None
    if envelope_kind == MESSAGE_KIND:
        return body.get("attachments")
    if envelope_kind == RECORD_KIND:
        return body.get(SHARED_PHOTOS)
    return None


async def incoming(instance: Instance, wires: Sequence[Any]) -> dict[str, list[str] | str]:
    """Store the photos of the verified message envelopes: envelope id -> attachment ids (or
    BAD when one is not an acceptable image)."""
    from plugins.icomm.receive import _peer  # one lookup per key, as the batch does

    verified: list[tuple[str, list[Any]]] = []
    async with instance.db.session() as session:
        for wire in wires:
            content = wire.get("envelope") if isinstance(wire, dict) else None
            if not isinstance(content, dict) or not _carried(
                content.get("kind"), content.get("body")
            ):
                continue  # nothing to store: the envelope is checked with the batch
            try:
                envelope, data, signature = parse(wire)
            except EnvelopeRefused:
                continue
            photos = _carried(envelope.kind, envelope.body)
            if not photos:
                continue
            peer = await _peer(session, envelope.sender)
            if peer is None:
                continue
            try:
                verify(data, signature, public_key_from_hex(peer.public_key))
            except EnvelopeRefused:
                continue
            most = MAX_SHARED_PHOTOS if envelope.kind == RECORD_KIND else MAX_ATTACHMENTS
            verified.append((envelope.id, photos, most))
    stored: dict[str, list[str] | str] = {}
    for envelope_id, photos, most in verified:
        try:
            stored[envelope_id] = await _store(instance, photos, most)
        except (ImageRejected, ValueError, TypeError, KeyError, binascii.Error):
            stored[envelope_id] = BAD
    return stored


async def _store(instance: Instance, photos: Any, most: int = MAX_ATTACHMENTS) -> list[str]:
    if not isinstance(photos, list) or len(photos) > most:
        raise ValueError(f"attachments: a list of at most {most}")
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
