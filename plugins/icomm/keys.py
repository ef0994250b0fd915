"""This instance's signing key (core/instance_key.py), loaded once per instance."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.instance import Instance
from core.instance_key import key_id, load_or_create

_STATE = "icomm.instance_key"


def signing_key(instance: Instance) -> Ed25519PrivateKey:
    key = instance.state.get(_STATE)
    if key is None:
        key = instance.state[_STATE] = load_or_create(instance.config.data_dir)
    return key


def own_key_id(instance: Instance) -> str:
    return key_id(signing_key(instance).public_key())
