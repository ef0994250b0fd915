"""core.long_lived: large long-lived structures kept out of full collections."""

from __future__ import annotations

import gc
import weakref

from core.long_lived import freeze_long_lived, paused


class _Node:
    self: object


def test_a_large_structure_is_frozen_and_what_died_since_is_collected() -> None:
    assert not freeze_long_lived(10, minimum=1000)  # small: a full collection costs more
    kept = [[n] for n in range(1000)]
    try:
        assert freeze_long_lived(len(kept), minimum=1000)
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        # A later call unfreezes first: a cycle frozen alive that died since is collected.
        node = _Node()
        node.self = node
        alive = weakref.ref(node)
        gc.freeze()
        del node
        gc.collect()
        assert alive() is not None  # frozen: the collector does not see it
        assert freeze_long_lived(len(kept), minimum=1000)
        assert alive() is None
    finally:
        gc.unfreeze()


def test_paused_keeps_the_collector_off_and_restores_it() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
