"""The recommender runtime the routes use: a retriever over item vectors plus encoders.

A runtime turns onboarding profiles into index queries (fold-in: no retraining), new
catalogue items into index rows (so admin-added items are searchable at once), and item ids
into their vectors in the model's space (for the embedding route and the "because you liked"
reasons). Two implement :class:`Runtime`:

* :class:`~tastemaker.service.twotower.TwoTowerRuntime` — the trained two-tower export, the
  one served whenever ``tastemaker train`` has exported a model;
* :class:`~tastemaker.service.content.ContentRuntime` — items are their text embeddings (the
  ``embed`` export) and a user is a blend of the items they chose. It needs no training, so
  the service can recommend from the first import.

:func:`tastemaker.service.loading.load_runtime` picks which one to serve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from tastemaker.catalog.schema import Item
from tastemaker.index import ItemFilter, ItemMetadata, Retriever
from tastemaker.store.users import UserProfile

__all__ = ["Runtime", "category_mask", "unit"]

Matrix = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

#: Catalogue fields a chosen onboarding category is matched against.
ONBOARDING_FIELDS = ("article_type", "sub_category", "master_category")


class Runtime(Protocol):
    """What recommendation routes need from a model."""

    version: str
    retriever: Retriever

    def encode_users(self, profiles: Sequence[UserProfile]) -> Matrix:
        """``[n, index dim]`` unit index queries, one per profile."""
        ...

    def encode_items(self, items: Sequence[Item]) -> Matrix:
        """``[n, index dim]`` unit index rows for items not yet in the index."""
        ...

    def item_vectors(self, ids: Sequence[str]) -> Matrix:
        """``[n, model dim]`` unit vectors of indexed items in the model's item space."""
        ...

    def similar_queries(self, ids: Sequence[str]) -> Matrix:
        """``[n, index dim]`` index queries that find the items most like each of ``ids``."""
        ...

    def close(self) -> None:
        """Stop what the runtime started (an encoder's child process); idempotent."""
        ...


def unit(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    scaled: Matrix = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return scaled


def category_mask(metadata: ItemMetadata, category: str) -> Mask:
    """Rows whose article type, sub or master category is ``category`` (case-insensitive)."""
    mask = np.zeros(len(metadata), dtype=np.bool_)
    for field in ONBOARDING_FIELDS:
        mask |= metadata.mask(ItemFilter(**{field: [category]}))[0]
    return mask
