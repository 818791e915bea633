"""Evaluating on persona ratings (the store), where a rating can also say "dislike".

MovieLens counts every rating as an interaction; a persona's −1 or 2 is a verdict against the
item, so here the test positives and the baselines' inputs are the ratings at or above a
threshold (7 by default, :class:`~tastemaker.model.config.DataConfig`), while the two-tower
model reads the dislikes as negative history (:class:`~tastemaker.model.recommender.
StoreTwoTowerRecommender`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.protocol import Recommender
from tastemaker.evaluate.splits import Split

__all__ = ["OnPositives", "dataset_of", "positive_test"]

Scores = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]


def dataset_of(
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    ratings: npt.NDArray[np.float32],
    user_ids: tuple[str, ...],
    item_ids: tuple[str, ...],
    name: str,
) -> Dataset:
    """Ratings over the given indices as a :class:`Dataset` (every catalogue item a column,
    rated or not, so full ranking runs over the whole catalogue)."""
    frame = pd.DataFrame(
        {
            "user": users,
            "item": items,
            "rating": ratings.astype(np.float64),
            "timestamp": np.zeros(len(users), np.int64),
        }
    )
    return Dataset(
        frame,
        pd.DataFrame({"user_id": list(user_ids), "text": ""}),
        pd.DataFrame({"item_id": list(item_ids), "text": ""}),
        name,
    )


def positive_test(split: Split, min_rating: float | None) -> Split:
    """``split`` with only the test ratings at or above ``min_rating`` (None: all of them) to
    rank; the rating metrics still score every held-out rating (``rating_test``), dislikes
    included."""
    if min_rating is None:
        return split
    test = split.test[split.test["rating"] >= min_rating]
    params = {**split.params, "test_min_rating": min_rating}
    every = split.test if split.rating_test is None else split.rating_test
    return Split(split.train, test, split.method, params, rating_test=every)


class OnPositives:
    """A baseline fitted on the training ratings at or above ``min_rating`` only (a persona's
    dislike is not a vote for the item)."""

    def __init__(self, model: Recommender, min_rating: float | None) -> None:
        self.model, self.min_rating = model, min_rating
        self.name = model.name
        which = "every rating" if min_rating is None else f"ratings ≥ {min_rating:g}"
        self.description = f"{getattr(model, 'description', '')}; fitted on {which}"

    def fit(self, train: Dataset) -> None:
        ratings = train.ratings
        if self.min_rating is not None:
            ratings = ratings[ratings["rating"] >= self.min_rating]
        self.model.fit(train.with_ratings(ratings))

    def score(self, users: Indices) -> Scores:
        return self.model.score(users)
