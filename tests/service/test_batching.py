from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from tastemaker.service.batching import MicroBatcher
from tastemaker.service.cache import ResultCache


def _double(values: Sequence[int]) -> np.ndarray:  # type: ignore[type-arg]
    return np.array([[2.0 * v] for v in values], dtype=np.float32)


def test_concurrent_requests_share_batches_and_get_their_own_rows() -> None:
    batcher = MicroBatcher(_double, max_batch=8, max_wait_s=0.01)

    async def main() -> list[float]:
        rows = await asyncio.gather(*(batcher.submit(i) for i in range(20)))
        return [float(r[0]) for r in rows]

    assert asyncio.run(main()) == [2.0 * i for i in range(20)]
    assert batcher.items == 20
    assert batcher.batches <= 4  # 20 requests in batches of at most 8


def test_a_failure_reaches_every_waiter() -> None:
    def broken(values: Sequence[int]) -> np.ndarray:  # type: ignore[type-arg]
        raise RuntimeError("tower failed")

    batcher = MicroBatcher(broken, max_wait_s=0.001)

    async def main() -> list[BaseException | np.ndarray]:  # type: ignore[type-arg]
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    results = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in results)


def test_lru_keeps_the_most_recent_entries() -> None:
    cache: ResultCache[str] = ResultCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == ("A", "C")
    assert (cache.hits, cache.misses) == (3, 1)


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_disabled_cache_stores_nothing(capacity: int) -> None:
    cache: ResultCache[str] = ResultCache(capacity)
    cache.put("a", "A")
    assert cache.get("a") is None
