"""The thread-safe LRU for recommendation results: a cachetools ``LRUCache`` under a lock.

Keys carry the user's version and the model version, so a feedback event or a model reload
makes old entries unreachable at once (they then age out); nothing has to find and delete them.
The hot path (:mod:`tastemaker.service.hotpath`) and the routes' worker threads share it, and
an LRU's read reorders it, so every access takes the lock. The hit and miss counts are kept
here, not by ``cachetools.cached(info=True)``, because callers get and put explicitly.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

__all__ = ["ResultCache"]

V = TypeVar("V")


class ResultCache(Generic[V]):
    """At most ``capacity`` entries, least recently used dropped first; ``capacity <= 0``
    keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: LRUCache[Hashable, V] | None = (
            LRUCache(maxsize=capacity) if capacity > 0 else None
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            try:  # one look-up on a hit (``LRUCache.get`` makes two): this is the hot path
                value = self._entries[key] if self._entries is not None else None
            except KeyError:
                value = None
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        if self._entries is None:
            return
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries) if self._entries is not None else 0
