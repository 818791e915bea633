"""What recommenders are fitted on: ratings over dense user and item indices, with side texts.

A :class:`Dataset` fixes one catalogue of users (rows of ``users``) and items (rows of
``items``); ``ratings`` refer to them by position, so score matrices are ``[n_users, n_items]``
with column ``j`` meaning ``items.iloc[j]``. A train split is the same catalogue with fewer
ratings (:meth:`Dataset.with_ratings`), so a model fitted on it scores every catalogue item,
including those no training user rated (a content model can; a collaborative one cannot).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd
import scipy.sparse as sp

from tastemaker.datasets.schema import Interactions
from tastemaker.errors import DataError

__all__ = ["RATING_COLUMNS", "Dataset"]

#: ``ratings`` columns: dense ``user`` and ``item`` indices, the rating and Unix timestamp.
RATING_COLUMNS: Final = ("user", "item", "rating", "timestamp")


@dataclass(frozen=True)
class Dataset:
    """Ratings over a fixed catalogue.

    ``ratings``: columns :data:`RATING_COLUMNS`, ``user`` in ``[0, n_users)``, ``item`` in
    ``[0, n_items)``, row order as in the source file (the stratified split depends on it).
    ``users`` / ``items``: one row per index, with the dataset's ids (``user_id``, ``item_id``)
    and ``text`` (see :mod:`tastemaker.datasets.schema`).
    """

    ratings: pd.DataFrame
    users: pd.DataFrame
    items: pd.DataFrame
    name: str = "dataset"

    def __post_init__(self) -> None:
        if tuple(self.ratings.columns) != RATING_COLUMNS:
            raise DataError(
                f"{self.name}: ratings columns {list(self.ratings.columns)}, "
                f"expected {list(RATING_COLUMNS)}"
            )
        for column, bound in (("user", self.n_users), ("item", self.n_items)):
            values = self.ratings[column].to_numpy()
            if values.size and (values.min() < 0 or values.max() >= bound):
                raise DataError(f"{self.name}: ratings {column} index outside [0, {bound})")

    @classmethod
    def from_interactions(cls, data: Interactions, name: str | None = None) -> Dataset:
        """Index ``data``'s users and items by their position (both frames sorted by id)."""
        users = data.users.reset_index(drop=True)
        items = data.items.reset_index(drop=True)
        user_pos = pd.Index(users["user_id"]).get_indexer(data.ratings["user_id"])
        item_pos = pd.Index(items["item_id"]).get_indexer(data.ratings["item_id"])
        if (user_pos < 0).any() or (item_pos < 0).any():
            raise DataError(f"{data.source}: ratings name users or items missing from their tables")
        ratings = pd.DataFrame(
            {
                "user": user_pos.astype(np.int64),
                "item": item_pos.astype(np.int64),
                "rating": data.ratings["rating"].to_numpy(dtype=np.float64),
                "timestamp": data.ratings["timestamp"].to_numpy(dtype=np.int64),
            }
        )
        return cls(ratings, users, items, name or data.layout)

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def with_ratings(self, ratings: pd.DataFrame) -> Dataset:
        """The same catalogue with other ratings (a split's train or test part)."""
        return replace(self, ratings=ratings[list(RATING_COLUMNS)].reset_index(drop=True))

    def matrix(self, values: str = "binary") -> sp.csr_matrix:
        """User × item CSR matrix, float32 ``[n_users, n_items]``.

        ``values="binary"`` puts 1 for every rated pair (implicit feedback: a rating, however
        low, says the user chose to watch); ``"rating"`` puts the rating itself.
        """
        if values not in ("binary", "rating"):
            raise ValueError(f"values must be 'binary' or 'rating', got {values!r}")
        data = (
            np.ones(len(self.ratings), dtype=np.float32)
            if values == "binary"
            else self.ratings["rating"].to_numpy(dtype=np.float32)
        )
        matrix = sp.csr_matrix(
            (data, (self.ratings["user"].to_numpy(), self.ratings["item"].to_numpy())),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        matrix.sum_duplicates()
        if values == "binary":
            matrix.data[:] = 1.0
        return matrix
