"""core.long_lived: large long-lived structures kept out of full collections."""

from __future__ import annotations

import gc
import weakref

from core.long_lived import Batches, freeze_long_lived, paused


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


def test_batches_collect_between_chunks_and_share_the_pause() -> None:
    assert gc.isenabled()
    with Batches(full_every=2) as outer:
        assert not gc.isenabled()
        node = _Node()
        node.self = node  # a cycle: only a collection reclaims it
        alive = weakref.ref(node)
        del node
        outer.chunk_done()  # young generations
        assert alive() is None
        with Batches() as inner:  # a second job at once (two imports in one server)
            inner.chunk_done()
        assert not gc.isenabled()  # the outer job still runs
        outer.chunk_done()  # the second: a full collection
    assert gc.isenabled()


def test_serving_freezes_what_start_up_left_and_collects_the_young_less_often() -> None:
    from core.long_lived import SERVING_GEN0_THRESHOLD, serving

    before = gc.get_threshold()
    started = [[n] for n in range(1000)]  # what an instance's start-up leaves alive
    try:
        serving()
        assert gc.get_freeze_count() >= len(started)
        assert gc.get_threshold() == (SERVING_GEN0_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_the_app_settles_the_collector_once_the_instance_has_started(make_app) -> None:
    """`ncen serve` passes `serving` as `on_started`: called after the instance's start."""
    from core.web import create_app

    app = await make_app()
    instance = app.instance
    seen: list[str] = []
    asgi = create_app(instance, on_started=lambda: seen.append(instance.search.state))
    async with asgi.router.lifespan_context(asgi):
        assert seen and seen[0] != "not started"
