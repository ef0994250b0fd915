"""Envelopes between instances: canonical JSON (RFC 8785), signed with the instance key.

An envelope on the wire is `{"envelope": {...}, "signature": "<base64 Ed25519>"}`; the
signature covers the RFC 8785 canonical bytes of the envelope, so any re-serialisation by a
proxy or a JSON library on the way does not break it, and any change to a value does. The
envelope names its sender and recipient by key id (core/instance_key.py), carries its own id
(the receiver's idempotence key) and the time it was signed (the receiver's replay window).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.db import utcnow

VERSION = 1
# `share`: a payload for the global database; `record`: a record shared with a national peer.
MESSAGE_KIND, RECEIPT_KIND, SHARE_KIND, RECORD_KIND = "message", "receipt", "share", "record"
KINDS = (MESSAGE_KIND, RECEIPT_KIND, SHARE_KIND, RECORD_KIND)


class EnvelopeRefused(Exception):
    """Why a receiver refuses an envelope: `reason` is a stable code sent back to the sender."""

    def __init__(self, reason: str, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.reason = reason
        self.permanent = permanent


def canonical(value: Any) -> bytes:
    return rfc8785.dumps(value)


def size(value: Any) -> int:
    """Bytes of `value` as compact JSON: its size on the wire, within a few bytes of the
    canonical form, at a tenth of the cost of computing that."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def timestamp(value: dt.datetime | None = None) -> str:
    return (value or utcnow()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Envelope:
    id: str
    kind: str
    sender: str  # sender's key id
    recipient: str  # recipient's key id
    sent_at: str
    agreement: str  # the agreement's reference on the sender's side
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "id": self.id,
            "kind": self.kind,
            "sender": self.sender,
            "recipient": self.recipient,
            "sent_at": self.sent_at,
            "agreement": self.agreement,
            "body": self.body,
        }


def sign(envelope: Envelope, key: Ed25519PrivateKey) -> dict[str, Any]:
    content = envelope.to_json()
    signature = key.sign(canonical(content))
    return {"envelope": content, "signature": base64.b64encode(signature).decode("ascii")}


def parse(wire: Any) -> tuple[Envelope, bytes, bytes]:
    """The envelope, its canonical bytes and its signature; EnvelopeRefused("malformed")."""
    try:
        content = wire["envelope"]
        signature = base64.b64decode(wire["signature"], validate=True)
        if content["v"] != VERSION or content["kind"] not in KINDS:
            raise ValueError("unknown version or kind")
        envelope = Envelope(
            id=str(content["id"])[:36],
            kind=content["kind"],
            sender=str(content["sender"]),
            recipient=str(content["recipient"]),
            sent_at=str(content["sent_at"]),
            agreement=str(content["agreement"]),
            body=dict(content["body"]),
        )
        if len(str(content["id"])) > 36 or not envelope.id:
            raise ValueError("bad id")
        return envelope, canonical(content), signature
    except (KeyError, TypeError, ValueError) as exc:
        raise EnvelopeRefused("malformed", f"not an envelope: {exc}") from None


def verify(data: bytes, signature: bytes, public_key: Ed25519PublicKey) -> None:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise EnvelopeRefused("bad_signature", "the signature does not verify") from None


def sign_document(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """A signed answer (the receiver's receipts): `{"document": ..., "signature": ...}`."""
    signature = key.sign(canonical(document))
    return {"document": document, "signature": base64.b64encode(signature).decode("ascii")}


def verify_document(wire: Any, public_key: Ed25519PublicKey) -> dict[str, Any]:
    try:
        document = wire["document"]
        signature = base64.b64decode(wire["signature"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise EnvelopeRefused("malformed", f"not a signed answer: {exc}") from None
    verify(canonical(document), signature, public_key)
    return document
