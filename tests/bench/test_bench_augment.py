"""bench/bench_augment.py: the sparse users' cut in time, the candidate generator and the
paired lift interval, on hand-made data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_augment import MIN_RATINGS, Sparse, candidates, choose_sparse, lift


def _ratings() -> pd.DataFrame:
    """Users 1..6 with MIN_RATINGS ratings each (item n at time n, rating 1 + n % 5), user 7
    with too few to be drawn."""
    rows = [(u, n, 1 + n % 5, n) for u in range(1, 7) for n in range(MIN_RATINGS)]
    rows += [(7, n, 5, n) for n in range(5)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


def test_sparse_users_keep_their_k_earliest_ratings_and_hold_out_the_liked_rest() -> None:
    sparse = choose_sparse(_ratings(), [3, 5], n_test=4, n_val=2)
    assert len(sparse) == 6
    assert "7" not in {u.user_id for u in sparse}
    assert [u.role for u in sparse] == ["test"] * 4 + ["val"] * 2
    assert [u.k for u in sparse] == [3, 5, 3, 5, 3, 5]
    first = sparse[0]
    assert first.train_items == ("0", "1", "2")  # the earliest three, in time
    # Held out: items 3..39; relevant: those rated 4 or 5 (n % 5 in {3, 4}).
    assert first.relevant == frozenset(str(n) for n in range(3, MIN_RATINGS) if n % 5 >= 3)


def test_candidates_are_half_similar_half_popular_never_seen() -> None:
    ids = ["a", "b", "c", "d", "e"]
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.7, 0.7]], np.float32)
    ratings = pd.DataFrame(
        {"user_id": [1, 2, 2, 3, 3, 3], "item_id": ["a", "c", "d", "c", "d", "e"],
         "rating": [5, 1, 1, 1, 1, 1]}
    )  # fmt: skip
    user = Sparse("1", "test", 1, ("a",), frozenset({"b"}))
    (picks,) = candidates([user], ratings, ids, vectors, 4).values()
    # Liked "a": the most similar unseen item is "b", then "e"; then popularity: c and d.
    assert picks == ["b", "e", "c", "d"]


def test_lift_is_the_ratio_of_means_with_a_paired_interval() -> None:
    base = {u: np.array([0.1, 0.2], np.float32) for u in "xyz"}
    mix = {u: np.array([0.2, 0.2], np.float32) for u in "xyz"}
    recall = lift(base, mix, list("xyz"), 0)
    assert recall["lift"] == pytest.approx(1.0)
    assert recall["low"] == pytest.approx(1.0)  # every user doubles: no spread
    assert recall["high"] == pytest.approx(1.0)
    assert lift(base, mix, list("xyz"), 1)["lift"] == pytest.approx(0.0)
