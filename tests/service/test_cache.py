"""The result cache: least recently used entries go first, and threads may share it."""

from __future__ import annotations

import random
import threading

import pytest

from tastemaker.service.cache import ResultCache


def test_lru_keeps_the_most_recent_entries() -> None:
    cache: ResultCache[str] = ResultCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == ("A", "C")
    assert (cache.hits, cache.misses) == (3, 1)


def test_putting_a_key_again_replaces_its_value_and_makes_it_recent() -> None:
    cache: ResultCache[str] = ResultCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    cache.put("a", "A2")
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A2", None, "C")
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
    assert cache.get("a") is None


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_disabled_cache_stores_nothing(capacity: int) -> None:
    cache: ResultCache[str] = ResultCache(capacity)
    cache.put("a", "A")
    assert cache.get("a") is None
    assert len(cache) == 0


def test_threads_sharing_the_cache_keep_it_bounded_and_right() -> None:
    """The service's worker threads and event loop share one cache: no lost or mixed entries."""
    cache: ResultCache[str] = ResultCache(64)
    wrong: list[str] = []
    gets = 0
    lock = threading.Lock()

    def work(seed: int) -> None:
        nonlocal gets
        rng = random.Random(seed)
        for _ in range(3000):
            key = rng.randrange(200)
            if rng.random() < 0.5:
                cache.put(key, f"value {key}")
            else:
                value = cache.get(key)
                with lock:
                    gets += 1
                if value is not None and value != f"value {key}":
                    wrong.append(value)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(cache) == 64
    assert cache.hits + cache.misses == gets
    assert cache.hits > 0
