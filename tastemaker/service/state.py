"""What the service's routes share, built once at start-up: :class:`ServiceState`.

Blocking work never runs on the event loop: a FAISS search, a tower's forward pass, a SQLite
write or an index compaction goes to the state's worker pool (:meth:`ServiceState.run`), so
one slow call delays its own request and not every request in flight. Each worker limits
FAISS to one OpenMP thread when it starts: the limit is per thread, and a worker left at the
default used every core for a 1 ms search (13 ms under load, bench/bench_index.py).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from tastemaker.errors import NotReadyError
from tastemaker.index import set_search_threads
from tastemaker.service.batching import MicroBatcher
from tastemaker.service.cache import ResultCache
from tastemaker.service.catalog import CatalogView
from tastemaker.service.users import UserRegistry
from tastemaker.settings import Settings
from tastemaker.store.db import Store
from tastemaker.store.users import UserProfile

if TYPE_CHECKING:
    from tastemaker.service.runtime import Runtime

__all__ = ["ServiceState"]

P = ParamSpec("P")
R = TypeVar("R")


def _one_search_thread() -> None:
    set_search_threads(1)


@dataclass
class ServiceState:
    """Everything the routes share: settings, the store (for writes), the in-memory catalogue,
    the recommender runtime once a model is loaded, and the pool that runs blocking work."""

    settings: Settings
    store: Store
    catalog: CatalogView
    runtime: Runtime | None = None
    users: UserRegistry = field(default_factory=UserRegistry)
    results: ResultCache[object] = field(default_factory=lambda: ResultCache(20_000))
    pool: ThreadPoolExecutor = field(init=False, repr=False)
    _batchers: dict[str, MicroBatcher[UserProfile]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.results = ResultCache(self.settings.result_cache_size)
        self.pool = ThreadPoolExecutor(
            max_workers=self.settings.worker_threads,
            thread_name_prefix="tastemaker-worker",
            initializer=_one_search_thread,
        )

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` in the worker pool; the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    async def encode_user(self, profile: UserProfile) -> tuple[npt.NDArray[np.float32], str]:
        """The profile's query vector, micro-batched with concurrent requests, and the version
        of the model that made it (a reload never mixes two models' vectors)."""
        runtime = self.require_runtime()
        batcher = self._batchers.get(runtime.version)
        if batcher is None:
            batcher = MicroBatcher(runtime.encode_users, executor=self.pool)
            self._batchers = {runtime.version: batcher}
        return await batcher.submit(profile), runtime.version

    def require_runtime(self) -> Runtime:
        """The loaded model; without one, recommendation routes answer 503."""
        runtime = self.runtime
        if runtime is None:
            raise NotReadyError("no model loaded: run `tastemaker train` (or `embed items`)")
        return runtime

    def close(self) -> None:
        """Wait for the work in flight, then stop the runtime's helpers and close the store."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.runtime is not None:
            self.runtime.close()
        self.store.close()
