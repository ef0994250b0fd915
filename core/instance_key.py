"""The instance's Ed25519 key, kept in the data directory (mode 0600), never in the database.

It signs what must be checkable even by someone who controls the database: the audit log's
checkpoints (core/audit/checkpoints.py). Someone able to change the database but not the
files of the server cannot forge a signature. Several servers of one instance (PostgreSQL)
share it by copying the file; the public key can be given to anyone who checks exports.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.errors import NcenError

KEY_FILE = "instance.key"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key (first 16 hex digits of SHA-256 of its raw bytes)."""
    return hashlib.sha256(public_hex(public_key).encode()).hexdigest()[:16]


def public_hex(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_from_hex(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))


def load_or_create(data_dir: Path) -> Ed25519PrivateKey:
    """The key of `<data_dir>/instance.key`, made (0600, atomically) the first time."""
    path = data_dir / KEY_FILE
    try:
        return _load(path)
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this instance made it first
        return _load(path)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    return key


def _load(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise NcenError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise NcenError(f"{path} is not an Ed25519 key")
    return key
