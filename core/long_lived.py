"""Keeping the cyclic garbage collector off large structures that live as long as the process.

CPython's collector scans every tracked object of the oldest generation on each full
collection, and a busy process triggers one every few hundred thousand allocations. An
in-memory index of tens of thousands of objects (screening's watch index: profiles, names,
identifiers) is scanned again and again although it never becomes garbage: measured at 10,000
watch entries, full collections took about 40% of the CPU of screening through the outbox.

`gc.freeze()` moves every object alive at that moment to a permanent generation that the
collector skips. Called right after such a structure is (re)built — after a collection, so only
live objects are frozen, and after unfreezing what an earlier call froze, so that what has died
since is collected rather than kept forever. Below `MIN_OBJECTS` new objects it does nothing: a
full collection costs more than it saves for small structures.

`paused()` keeps the collector off while such a structure is built in one synchronous stretch
(nothing else runs meanwhile): building it would otherwise trigger full collections of a heap
that only grows.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Iterator

log = logging.getLogger("ncen.memory")

MIN_OBJECTS = 50_000  # tracked objects a structure should hold before freezing pays off
# Allocations between two collections of the youngest generation while serving (CPython's
# default: 700); see `serving`.
SERVING_GEN0_THRESHOLD = 10_000


def freeze_long_lived(built_objects: int, *, minimum: int = MIN_OBJECTS) -> bool:
    """Freeze what is alive now, if a structure of about `built_objects` tracked objects was
    just built; True when it did."""
    if built_objects < minimum:
        return False
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    log.debug(
        "froze %d long-lived objects in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )
    return True


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block (synchronous code only: other coroutines do
    not run meanwhile, so nothing else is affected)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def built_to_last() -> Iterator[None]:
    """Build what lives as long as the process with the collector paused, then freeze it.

    Start-up creates some 130,000 objects that live until the process ends (modules, models,
    the schema); while they are being created the collector traverses them again and again, a
    tenth of the start-up time, and each full collection while serving would traverse them
    once more. The price: the few reference cycles start-up drops (about a hundred small
    objects) are never reclaimed."""
    with paused():
        try:
            yield
        finally:
            gc.freeze()


class Batches:
    """The collector run by a long batch job (an import) between its chunks instead of
    automatically: with the objects of a chunk (rows, inputs, checked records) alive by the
    thousand, automatic collections traverse them again and again, and each full collection
    the whole unfrozen heap: about a tenth of an import's CPU. Inside `with Batches() as
    batches:` automatic collection is off, and `batches.chunk_done()` collects the young
    generations after each chunk (what a chunk left is little once its objects are freed) and
    everything every `full_every` chunks, so cycles (of the job or, in a server, of other
    requests meanwhile) are reclaimed at least that often. Several at once (two imports in
    one server) share the pause; the last one out turns automatic collection back on."""

    _active = 0
    _was_enabled = True

    def __init__(self, full_every: int = 20) -> None:
        self.full_every = full_every
        self.chunks = 0

    def __enter__(self) -> Batches:
        if Batches._active == 0:
            Batches._was_enabled = gc.isenabled()
            gc.disable()
        Batches._active += 1
        return self

    def __exit__(self, *_exc: object) -> None:
        Batches._active -= 1
        if Batches._active == 0 and Batches._was_enabled:
            gc.enable()

    def chunk_done(self) -> None:
        self.chunks += 1
        gc.collect(2 if self.chunks % self.full_every == 0 else 1)


def settle() -> None:
    """Freeze what is alive now (for a command about to create objects by the million: an
    export of 5,000 seizures took 10 s with start-up's objects traversed by every full
    collection, 3.6 s without, under a profiler)."""
    gc.collect()
    gc.freeze()


def serving() -> None:
    """Settle the collector for a server that has started (`ncen serve`, after the instance's
    start-up: the search index opened, settings and caches read).

    - Freeze what start-up left alive, as `built_to_last` froze what the build created: the
      full collections that serving triggers then traverse only what was created since (one
      of them, stalling every request in flight, took 60-180 ms of CPU over the objects of
      the started instance; the p99 of 50 connections is made of such stalls).
    - Collect the youngest generation every `SERVING_GEN0_THRESHOLD` allocations instead of
      700: with tens of requests in flight, each collection promotes the objects of every
      unfinished request to an older generation, where they are traversed again and make the
      full collections come sooner. Measured on the everyday mix (issue 14), the collector's
      CPU per request fell from ~0.1 ms to ~0.03 ms in sequence, and from 0.2-0.45 ms to
      0.06-0.1 ms under 50 concurrent requests, its full collections from 35-230 ms each to
      under 10 ms. Cyclic garbage waits a little longer to be reclaimed: a few thousand
      objects at most.
    """
    settle()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(SERVING_GEN0_THRESHOLD, middle, oldest)
