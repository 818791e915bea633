"""Micro-batching: concurrent requests that need the user tower share one forward pass.

Under load, many requests arrive within a millisecond of each other; running the tower once
for all of them costs little more than running it for one. The batcher waits at most
``max_wait_s`` after the first request (or until ``max_batch`` are queued), runs the function
in the service's worker pool (``executor``; None: asyncio's default pool) so the event loop
keeps accepting requests, and hands each caller its row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["MicroBatcher"]

T = TypeVar("T")
Matrix = npt.NDArray[np.float32]


class MicroBatcher(Generic[T]):
    """``await batcher.submit(x)`` → the row of ``fn([..., x, ...])`` that belongs to ``x``."""

    def __init__(
        self,
        fn: Callable[[Sequence[T]], Matrix],
        *,
        max_batch: int = 64,
        max_wait_s: float = 0.002,
        executor: Executor | None = None,
    ) -> None:
        self.fn = fn
        self.executor = executor
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._pending: list[tuple[T, asyncio.Future[npt.NDArray[np.float32]]]] = []
        self._flush: asyncio.TimerHandle | None = None
        self.batches = 0
        self.items = 0

    async def submit(self, value: T) -> npt.NDArray[np.float32]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[npt.NDArray[np.float32]] = loop.create_future()
        self._pending.append((value, future))
        if len(self._pending) >= self.max_batch:
            self._run(loop)
        elif self._flush is None:
            self._flush = loop.call_later(self.max_wait_s, self._run, loop)
        return await future

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        batch, self._pending = self._pending, []
        if batch:
            loop.create_task(self._compute(batch))

    async def _compute(
        self, batch: list[tuple[T, asyncio.Future[npt.NDArray[np.float32]]]]
    ) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            values = [value for value, _ in batch]
            rows = await asyncio.get_running_loop().run_in_executor(self.executor, self.fn, values)
        except Exception as exc:  # every waiter learns of the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), row in zip(batch, rows, strict=True):
            if not future.done():
                future.set_result(row)
