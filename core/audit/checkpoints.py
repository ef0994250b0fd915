"""Signed checkpoints of the audit chain's head, and the checks made against them.

The hash chain proves that no row was changed or removed *in the middle*; on its own it cannot
tell that the newest rows were dropped, or that a row was changed and every hash after it
recomputed. A checkpoint — the number of events and the hash of the last, signed with the
instance key (core/instance_key.py, outside the database) — can: a log shorter than a
checkpoint counts, or whose event at a checkpoint's position hashes differently, was tampered
with. Checkpoints are written to `core_audit_checkpoint` and appended to
`<data_dir>/audit-checkpoints.jsonl` (0600), and `ncen audit checkpoint` prints one for keeping
elsewhere, where neither a database nor a server administrator can reach it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.writer import GENESIS_HASH, canonical_time
from core.db import Database, utcnow
from core.instance_key import key_id, load_or_create, public_hex, public_key_from_hex

if TYPE_CHECKING:
    from core.instance import Instance

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
_DOMAIN = b"ncen audit checkpoint v1\n"


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # events in the log when it was made (the head's seq)
    head_hash: str
    created_at: str
    key_id: str
    signature: str
    public_key: str = ""  # in exports, so that a kept copy can be checked on its own

    def message(self) -> bytes:
        return _DOMAIN + f"{self.seq}\n{self.head_hash}\n{self.created_at}".encode()

    def signed_by(self, public_key_hex: str) -> bool:
        try:
            public_key_from_hex(public_key_hex).verify(
                bytes.fromhex(self.signature), self.message()
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(
            seq=int(data["seq"]),
            head_hash=str(data["head_hash"]),
            created_at=str(data["created_at"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
            public_key=str(data.get("public_key", "")),
        )


def sign(key: Ed25519PrivateKey, seq: int, head_hash: str, created_at: str) -> Checkpoint:
    public = key.public_key()
    unsigned = Checkpoint(seq, head_hash, created_at, key_id(public), "", public_hex(public))
    return Checkpoint(**{**asdict(unsigned), "signature": key.sign(unsigned.message()).hex()})


async def chain_head(db: Database) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, genesis) for an empty log."""
    async with db.session() as session:
        head = (
            await session.execute(
                select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
            )
        ).first()
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


class CheckpointStore:
    """Checkpoints of one instance: made with its key, kept in the database and a file."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.data_dir = data_dir
        self._key: Ed25519PrivateKey | None = None

    @property
    def key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = load_or_create(self.data_dir)
        return self._key

    @property
    def public_key(self) -> str:
        return public_hex(self.key.public_key())

    @property
    def file(self) -> Path:
        return self.data_dir / CHECKPOINT_FILE

    async def make(self) -> Checkpoint:
        """A checkpoint of the current head; the latest one again if the head has not moved."""
        seq, head_hash = await chain_head(self.db)
        latest = await self.latest()
        if latest is not None and (latest.seq, latest.head_hash) == (seq, head_hash):
            return latest
        checkpoint = sign(self.key, seq, head_hash, canonical_time(utcnow()))
        async with self.db.transaction() as session:
            session.add(
                AuditCheckpoint(
                    seq=checkpoint.seq,
                    head_hash=checkpoint.head_hash,
                    created_at=checkpoint.created_at,
                    key_id=checkpoint.key_id,
                    signature=checkpoint.signature,
                )
            )
        self._append(checkpoint)
        return checkpoint

    def _append(self, checkpoint: Checkpoint) -> None:
        fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(checkpoint.to_json() + "\n")

    async def stored(self) -> list[Checkpoint]:
        """Every checkpoint of the table and the file (each once), oldest first."""
        async with self.db.session() as session:
            rows = (await session.scalars(select(AuditCheckpoint))).all()
        found = {
            (r.seq, r.head_hash, r.signature): Checkpoint(
                r.seq, r.head_hash, r.created_at, r.key_id, r.signature
            )
            for r in rows
        }
        for checkpoint in self._from_file():
            found.setdefault(
                (checkpoint.seq, checkpoint.head_hash, checkpoint.signature), checkpoint
            )
        return sorted(found.values(), key=lambda c: (c.seq, c.created_at))

    def _from_file(self) -> Iterable[Checkpoint]:
        try:
            lines = self.file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        checkpoints = []
        for line in lines:
            try:
                checkpoints.append(Checkpoint.from_json(line))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash; the others still count
        return checkpoints

    async def latest(self) -> Checkpoint | None:
        """The newest checkpoint signed with this instance's key, from the table or the file."""
        own = [c for c in await self.stored() if c.signed_by(self.public_key)]
        latest = max(own, key=lambda c: (c.seq, c.created_at), default=None)
        return replace(latest, public_key=self.public_key) if latest else None


@dataclass(frozen=True)
class Finding:
    """A checkpoint the log does not agree with."""

    seq: int
    reason: str


async def check_log(
    db: Database, checkpoints: Sequence[Checkpoint], trusted: Iterable[str]
) -> tuple[list[Finding], int]:
    """Problems of the log against `checkpoints`, and how many were checked.

    A checkpoint counts when it is signed by one of the `trusted` public keys (hex) or, for a
    kept copy carrying its own key, by that key; a checkpoint claiming a trusted key without a
    valid signature is itself a finding (someone wrote it who does not hold the key)."""
    trusted_ids = {key_id(public_key_from_hex(k)): k for k in trusted}
    findings: list[Finding] = []
    valid: list[Checkpoint] = []
    for checkpoint in checkpoints:
        key = trusted_ids.get(checkpoint.key_id) or checkpoint.public_key
        if not key:
            continue  # another instance's key, not given to us: nothing to check it with
        if checkpoint.signed_by(key):
            valid.append(checkpoint)
        else:
            findings.append(
                Finding(
                    checkpoint.seq,
                    f"the checkpoint of {checkpoint.created_at} at event "
                    f"#{checkpoint.seq} has an invalid signature",
                )
            )
    if not valid:
        return findings, 0
    async with db.session() as session:
        head = int(await session.scalar(select(func.max(AuditEvent.seq))) or 0)
        wanted = sorted({c.seq for c in valid if 0 < c.seq <= head})
        hashes: dict[int, str] = {}
        for start in range(0, len(wanted), 1000):
            batch = wanted[start : start + 1000]
            rows = await session.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(batch))
            )
            hashes.update({row.seq: row.hash for row in rows})
    for checkpoint in valid:
        if checkpoint.seq > head:
            findings.append(
                Finding(
                    checkpoint.seq,
                    f"the log ends at event #{head}, but the checkpoint of "
                    f"{checkpoint.created_at} counted {checkpoint.seq} events: the newest "
                    "events were removed",
                )
            )
        elif checkpoint.seq and hashes.get(checkpoint.seq) != checkpoint.head_hash:
            findings.append(
                Finding(
                    checkpoint.seq,
                    f"event #{checkpoint.seq} does not match the checkpoint of "
                    f"{checkpoint.created_at}: the chain was changed and its hashes recomputed",
                )
            )
    return findings, len(valid)


def store_of(instance: Instance) -> CheckpointStore:
    return CheckpointStore(instance.db, instance.config.data_dir)
