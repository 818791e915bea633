"""The content-addressed response cache: keys, cacheability, persistence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.errors import StoreError
from tastemaker.llm.cache import ResponseCache, cache_key, is_cacheable

REQUEST = {
    "model": "m",
    "endpoint": "completions",
    "prompt": "Persona: Ana.\nItem: red dress.\nRating:",
    "params": {"max_tokens": 2, "temperature": 0.0, "logprobs": 20},
    "extra": {},
}


def test_key_is_a_sha256_hex_digest() -> None:
    key = cache_key(REQUEST)
    assert len(key) == 64
    assert int(key, 16) >= 0


@given(st.permutations(list(REQUEST)))
def test_key_does_not_depend_on_key_order(order: list[str]) -> None:
    assert cache_key({k: REQUEST[k] for k in order}) == cache_key(REQUEST)


@pytest.mark.parametrize(
    "change",
    [
        {"model": "other"},
        {"endpoint": "chat"},
        {"prompt": "Persona: Ana.\nItem: red dress.\nRating: "},
        {"params": {"max_tokens": 2, "temperature": 0.0, "logprobs": 5}},
        {"extra": {"grammar": "root ::= [0-9]"}},
    ],
)
def test_every_part_of_the_request_is_in_the_key(change: dict[str, object]) -> None:
    assert cache_key({**REQUEST, **change}) != cache_key(REQUEST)


@pytest.mark.parametrize(
    ("temperature", "seed", "expected"),
    [(0.0, None, True), (0.0, 1, True), (0.8, 1, True), (0.8, None, False), (None, None, False)],
)
def test_only_reproducible_requests_are_cacheable(
    temperature: float | None, seed: int | None, expected: bool
) -> None:
    assert is_cacheable(temperature, seed) is expected


def test_put_get_round_trip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite"
    key = cache_key(REQUEST)
    with ResponseCache(path) as cache:
        assert cache.get(key) is None
        cache.put(key, {"text": "7", "x": [1.5, None]}, model="m", endpoint="completions")
        assert cache.get(key) == {"text": "7", "x": [1.5, None]}
        assert (cache.hits, cache.misses) == (1, 1)
    with ResponseCache(path) as reopened:
        assert reopened.get(key) == {"text": "7", "x": [1.5, None]}
        assert len(reopened) == 1


def test_put_replaces_an_existing_entry(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.put("k", {"v": 1}, model="m", endpoint="chat")
        cache.put("k", {"v": 2}, model="m", endpoint="chat")
        assert cache.get("k") == {"v": 2}
        assert len(cache) == 1


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as a, ResponseCache(path) as b:
        a.put("k", {"v": 1}, model="m", endpoint="chat")
        assert b.get("k") == {"v": 1}
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="LLM response cache"):
        ResponseCache(blocker / "cache.sqlite")
