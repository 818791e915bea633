from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from tastemaker.service.batching import MicroBatcher


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
