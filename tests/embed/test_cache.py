from __future__ import annotations

import numpy as np
import pytest

from tastemaker.embed.cache import EmbeddingCache
from tastemaker.errors import EncoderError
from tastemaker.store import Store


def _unit(seed: int, dim: int = 4) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_round_trip_returns_the_same_float32_vectors(store: Store) -> None:
    cache = EmbeddingCache(store)
    vectors = {"h1": _unit(1), "h2": _unit(2)}
    assert cache.put_many("enc:a", vectors) == 2
    found = cache.get_many("enc:a", ["h1", "h2", "absent"])
    assert set(found) == {"h1", "h2"}
    for key, vector in vectors.items():
        assert found[key].dtype == np.float32
        np.testing.assert_array_equal(found[key], vector)
    assert cache.count("enc:a") == 2


def test_encoders_do_not_share_vectors(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("enc:a", {"h1": _unit(1)})
    assert cache.get_many("enc:b", ["h1"]) == {}


def test_put_replaces_an_existing_vector(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("enc:a", {"h1": _unit(1)})
    cache.put_many("enc:a", {"h1": _unit(2)})
    np.testing.assert_array_equal(cache.get_many("enc:a", ["h1"])["h1"], _unit(2))
    assert cache.count("enc:a") == 1


def test_float64_input_is_stored_as_float32(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("enc:a", {"h1": _unit(1).astype(np.float64)})
    assert cache.get_many("enc:a", ["h1"])["h1"].dtype == np.float32


@pytest.mark.parametrize("wanted", [1500, 2500], ids=["indexed-chunks", "scan"])
def test_many_hashes_across_query_strategies(store: Store, wanted: int) -> None:
    cache = EmbeddingCache(store)
    vectors = {f"h{i}": _unit(i, dim=3) for i in range(3000)}
    cache.put_many("enc:a", vectors)
    cache.put_many("enc:b", {"h0": _unit(9, dim=3)})
    keys = [f"h{i}" for i in range(wanted)]
    found = cache.get_many("enc:a", [*keys, *keys, "absent"])  # duplicates are harmless
    assert set(found) == set(keys)
    for key in ("h0", keys[-1]):
        np.testing.assert_array_equal(found[key], vectors[key])


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        ({"h1": np.zeros((2, 4), np.float32)}, "expected one non-empty row"),
        ({"h1": np.zeros(4, np.float32), "h2": np.zeros(5, np.float32)}, "sizes 4 and 5"),
        ({"h1": np.array([np.nan, 1.0], np.float32)}, "not finite"),
    ],
)
def test_bad_vectors_are_refused_and_nothing_is_written(
    store: Store, vectors: dict[str, np.ndarray], message: str
) -> None:
    cache = EmbeddingCache(store)
    with pytest.raises(EncoderError, match=message):
        cache.put_many("enc:a", vectors)
    assert cache.count("enc:a") == 0


def test_nothing_to_put_writes_nothing(store: Store) -> None:
    assert EmbeddingCache(store).put_many("enc:a", {}) == 0


def test_prune_drops_only_unused_vectors_of_one_encoder(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("enc:a", {"keep": _unit(1), "old": _unit(2)})
    cache.put_many("enc:b", {"old": _unit(3)})
    assert cache.prune("enc:a", keep=["keep"]) == 1
    assert set(cache.get_many("enc:a", ["keep", "old"])) == {"keep"}
    assert cache.count("enc:b") == 1
