"""Per-instance auth state (the password hasher), kept in `instance.state`, never global."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.passwords import Passwords

if TYPE_CHECKING:
    from core.instance import Instance

STATE_KEY = "core.auth.passwords"


def passwords(instance: Instance) -> Passwords:
    found = instance.state.get(STATE_KEY)
    if found is None:
        found = instance.state[STATE_KEY] = Passwords(instance.config.auth)
    return found
