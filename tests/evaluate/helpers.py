"""Small synthetic datasets for the evaluation tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tastemaker.evaluate.data import Dataset


def make_dataset(
    rows: Sequence[tuple[int, int, float, int]], n_users: int, n_items: int
) -> Dataset:
    """A dataset over ``n_users`` × ``n_items`` from ``(user, item, rating, timestamp)`` rows."""
    ratings = pd.DataFrame(list(rows), columns=["user", "item", "rating", "timestamp"]).astype(
        {"user": np.int64, "item": np.int64, "rating": np.float64, "timestamp": np.int64}
    )
    users = pd.DataFrame(
        {
            "user_id": np.arange(n_users, dtype=np.int64),
            "text": [f"user {u}" for u in range(n_users)],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.arange(n_items, dtype=np.int64),
            "text": [f"item {i}" for i in range(n_items)],
        }
    )
    return Dataset(ratings, users, items, name="toy")


def planted(n_users: int = 80, n_items: int = 60, per_user: int = 15, seed: int = 0) -> Dataset:
    """Two taste communities: even users rate items of the first half, odd users the second.

    Within a half, lower item ids are more popular (drawn with weights 1/(rank+1)), so a
    popularity model is partly right and a personalised one should do much better.
    """
    rng = np.random.default_rng(seed)
    half = n_items // 2
    weights = 1.0 / np.arange(1, half + 1)
    weights /= weights.sum()
    rows = []
    for user in range(n_users):
        offset = 0 if user % 2 == 0 else half
        items = rng.choice(half, per_user, replace=False, p=weights) + offset
        for t, item in enumerate(items):
            rows.append((user, int(item), float(rng.integers(1, 6)), 1000 * user + t))
    return make_dataset(rows, n_users, n_items)


class Oracle:
    """Scores each user's given items 1 and everything else 0 (plus an optional bias row)."""

    name = "oracle"

    def __init__(self, liked: dict[int, set[int]], n_items: int) -> None:
        self.liked, self.n_items = liked, n_items

    def fit(self, train: Dataset) -> None:
        assert train.n_items == self.n_items

    def score(self, users: np.ndarray) -> np.ndarray:
        scores = np.zeros((len(users), self.n_items), dtype=np.float32)
        for row, user in enumerate(users):
            scores[row, sorted(self.liked.get(int(user), set()))] = 1.0
        return scores
