"""Loading a known batch of keys through a request's DataLoader without a future per key.

`DataLoader.load_many` makes a future per key, gathers them, and schedules the batch for the
next turn of the event loop: for a page of 20 search hits that is ~0.2 ms of bookkeeping,
as much as the statement that reads them. When the caller already holds the whole batch and
none of its keys is cached or pending, `load_now` calls the loader's batch function at once,
with the same keys the loader would have batched, and primes the loader's cache with the
answers, so later `load`s in the request are served from it as before. Otherwise it is
`load_many`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


async def load_now(loader: DataLoader[K, T], keys: Iterable[K]) -> list[T]:
    """What `await loader.load_many(keys)` answers (errors included: a value that is an
    exception is raised), in one call of the batch function when no key is cached yet."""
    wanted = list(keys)
    unique = list(dict.fromkeys(wanted))
    if (
        not unique
        or not loader.cache
        or (loader.max_batch_size is not None and len(unique) > loader.max_batch_size)
        or any(loader.cache_map.get(key) is not None for key in unique)
    ):
        return await loader.load_many(wanted)
    # Pending futures in the cache first, so that a `load` of the same key meanwhile waits for
    # this batch instead of reading again.
    futures: dict[K, Any] = {}
    for key in unique:
        future = loader.loop.create_future()
        loader.cache_map.set(key, future)
        futures[key] = future
    try:
        values = list(await loader.load_fn(unique))
        if len(values) != len(unique):
            raise WrongNumberOfResultsReturned(expected=len(unique), received=len(values))
    except Exception as exc:  # as the loader's batch does: every key fails with it
        for future in futures.values():
            future.set_exception(exc)
            future.exception()  # retrieved here: nobody else may be waiting for it
        raise
    except BaseException:  # cancelled: nothing is cached
        for key, future in futures.items():
            loader.cache_map.delete(key)
            future.cancel()
        raise
    found: dict[K, Any] = {}
    for key, value in zip(unique, values, strict=True):
        future = futures[key]
        if isinstance(value, BaseException):
            future.set_exception(value)
            future.exception()  # retrieved: raised below, not through the future
        else:
            future.set_result(value)
        found[key] = value
    result = []
    for key in wanted:
        value = found[key]
        if isinstance(value, BaseException):
            raise value
        result.append(value)
    return result
