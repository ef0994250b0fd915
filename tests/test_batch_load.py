"""`load_now` answers what `DataLoader.load_many` answers, in one call of the batch function,
and leaves the loader's cache as a batch would."""

from __future__ import annotations

import pytest
from strawberry.dataloader import DataLoader

from core.gql.batch_load import load_now


def loader(calls: list[list[int]]) -> DataLoader[int, object]:
    async def load(keys: list[int]) -> list[object]:
        calls.append(list(keys))
        return [ValueError(f"no {k}") if k < 0 else k * 10 for k in keys]

    return DataLoader(load_fn=load)


async def test_a_batch_is_read_in_one_call_and_cached() -> None:
    calls: list[list[int]] = []
    items = loader(calls)
    assert await load_now(items, [3, 1, 3]) == [30, 10, 30]
    assert calls == [[3, 1]]
    assert await items.load(1) == 10 and await items.load_many([3, 1]) == [30, 10]
    assert calls == [[3, 1]]  # served from the cache
    # A batch with a key already cached goes through the loader (only the new key is read).
    assert await load_now(items, [1, 2]) == [10, 20]
    assert calls == [[3, 1], [2]]


async def test_errors_are_raised_as_the_loader_raises_them() -> None:
    calls: list[list[int]] = []
    items = loader(calls)
    with pytest.raises(ValueError, match="no -1"):
        await load_now(items, [2, -1])
    assert await items.load(2) == 20 and calls == [[2, -1]]

    async def broken(keys: list[int]) -> list[object]:
        raise RuntimeError("database gone")

    failing: DataLoader[int, object] = DataLoader(load_fn=broken)
    with pytest.raises(RuntimeError, match="database gone"):
        await load_now(failing, [1])
    with pytest.raises(RuntimeError, match="database gone"):  # as a failed batch is cached
        await failing.load(1)
