"""Simple baselines every model must beat: popularity, item-kNN and user/item biases.

The co-occurrence item-kNN's neighbour graph is ``implicit``'s (on ML-100K, bench_movielens
protocol, seeds 42/1/2: Recall@10 0.1724/0.1774/0.1776 against 0.1725/0.1774/0.1776 for the
hand-written graph it replaced, which broke ties at the k-th neighbour differently; fit 0.86x
the time).

Each implements :class:`~tastemaker.evaluate.protocol.Recommender`; the implicit-library
matrix factorisations (ALS, BPR) live in :mod:`tastemaker.evaluate.factorization`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tastemaker.evaluate.data import Dataset

__all__ = ["BiasBaseline", "ItemKNN", "Popularity"]

Scores = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]


class _Fitted:
    """Guards ``score`` against use before ``fit``."""

    _fitted: bool = False

    def _require_fit(self, name: str) -> None:
        if not self._fitted:
            raise RuntimeError(f"{name}: call fit() before score()")


class Popularity(_Fitted):
    """Ranks items by how many training users rated them; the same list for everyone."""

    name = "popularity"
    description = "items ranked by number of training ratings"

    def __init__(self) -> None:
        self._counts: Scores = np.zeros(0, dtype=np.float32)

    def fit(self, train: Dataset) -> None:
        self._counts = np.asarray(train.matrix().sum(axis=0), dtype=np.float32).ravel()
        self._fitted = True

    def score(self, users: Indices) -> Scores:
        """``[len(users), n_items]``: each row is the item counts."""
        self._require_fit(self.name)
        return np.broadcast_to(self._counts, (len(users), self._counts.size)).copy()


class ItemKNN(_Fitted):
    """Item-based k-nearest neighbours over cosine similarity of item vectors.

    Without ``item_vectors`` (``name="item_knn"``), an item's vector is its column of the binary
    training matrix, so similarity is co-occurrence cosine: |U_i ∩ U_j| / sqrt(|U_i||U_j|);
    the neighbour graph is ``implicit``'s item-item kNN (``all_pairs_knn``, the engine of its
    ``CosineRecommender``). With ``item_vectors`` float ``[n_items, dim]`` (e.g. text embeddings
    of ``items.text``; ``name="item_knn_content"``), similarity is content cosine and covers
    unrated items too; ``implicit`` has no dense path (its kNN walks sparse columns: fed the
    vectors as a sparse matrix it took 8x the time of blocked BLAS products at 2,000 items and
    11x at 4,000, d = 384), so that graph comes from the BLAS blocks here.
    Each item keeps its ``neighbours`` most similar items (itself excluded, only positive
    similarities); a user's score for item ``i`` sums the similarities of ``i`` to the items
    they rated.
    """

    def __init__(
        self,
        item_vectors: npt.NDArray[np.floating] | None = None,
        neighbours: int = 100,
        max_cells: int = 1 << 24,
        threads: int = 1,
    ) -> None:
        if neighbours < 1:
            raise ValueError("neighbours must be at least 1")
        self.item_vectors = item_vectors
        self.neighbours = neighbours
        self.max_cells = max_cells
        self.threads = threads
        self.name = "item_knn" if item_vectors is None else "item_knn_content"
        kind = "co-occurrence" if item_vectors is None else "content-embedding"
        self.description = f"{kind} cosine, {neighbours} neighbours per item"
        self._history: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._similar: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)

    def fit(self, train: Dataset) -> None:
        self._history = train.matrix()
        if self.item_vectors is None:
            self._similar = self._co_occurrence_graph(self._history)
        else:
            dense = np.asarray(self.item_vectors, dtype=np.float32)
            if dense.shape[0] != train.n_items:
                raise ValueError(
                    f"item_vectors has {dense.shape[0]} rows, the catalogue {train.n_items} items"
                )
            norms = np.linalg.norm(dense, axis=1, keepdims=True)
            unit = np.asarray(dense / np.where(norms > 0, norms, 1.0), dtype=np.float32)
            self._similar = self._content_graph(unit)
        self._fitted = True

    def _co_occurrence_graph(self, history: sp.csr_matrix) -> sp.csr_matrix:
        """``[n_items, n_items]`` sparse from ``implicit``: row ``j`` holds ``j``'s neighbours.

        ``all_pairs_knn`` takes the user × item matrix with unit item columns and counts an
        item among its own neighbours, so it keeps one more, and the diagonal is dropped.
        """
        from implicit.nearest_neighbours import ItemItemRecommender  # loads implicit

        unit = _unit_rows(history.T.tocsr()).T  # [n_users, n_items], unit item columns
        weighted = sp.csr_matrix(unit, dtype=np.float64)  # all_pairs_knn reads float64
        knn = ItemItemRecommender(K=self.neighbours + 1, num_threads=self.threads)
        knn.fit(weighted, show_progress=False)
        graph = sp.csr_matrix(knn.similarity, dtype=np.float32)
        graph = sp.csr_matrix(graph - sp.diags(graph.diagonal()), dtype=np.float32)
        graph.eliminate_zeros()
        return graph

    def _content_graph(self, vectors: npt.NDArray[np.float32]) -> sp.csr_matrix:
        """``[n_items, n_items]`` sparse: row ``j`` holds ``j``'s top neighbours' similarities.

        Built a block of rows at a time, so at most ``max_cells`` similarities are held.
        """
        n_items = vectors.shape[0]
        keep = min(self.neighbours, max(1, n_items - 1))
        rows, cols, vals = [], [], []
        block = max(1, self.max_cells // max(1, n_items))
        for start in range(0, n_items, block):
            stop = min(start + block, n_items)
            sims = np.asarray(vectors[start:stop] @ vectors.T, dtype=np.float32)
            sims[np.arange(stop - start), np.arange(start, stop)] = 0.0  # not its own neighbour
            top = np.argpartition(-sims, keep - 1, axis=1)[:, :keep]
            values = np.take_along_axis(sims, top, axis=1)
            positive = values > 0
            rows.append(np.repeat(np.arange(start, stop), keep)[positive.ravel()])
            cols.append(top[positive])
            vals.append(values[positive])
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_items, n_items),
            dtype=np.float32,
        )

    def score(self, users: Indices) -> Scores:
        """``[len(users), n_items]``: history ``[len(users), n_items]`` @ neighbour graph."""
        self._require_fit(self.name)
        return np.asarray((self._history[users] @ self._similar).toarray(), dtype=np.float32)


class BiasBaseline(_Fitted):
    """Rating = global mean + user bias + item bias (damped means, Koren 2010 §2.1).

    Ranks by item bias (a "best rated, enough ratings" list) and predicts ratings, so it is
    the reference for a rating head's RMSE / MAE. ``damping`` shrinks the bias of users and
    items with few ratings towards zero.
    """

    name = "bias"
    description = "global mean + damped user and item biases"

    def __init__(self, damping: float = 10.0) -> None:
        self.damping = damping
        self._mean = 0.0
        self._user_bias: npt.NDArray[np.float64] = np.zeros(0)
        self._item_bias: npt.NDArray[np.float64] = np.zeros(0)

    def fit(self, train: Dataset) -> None:
        users = train.ratings["user"].to_numpy()
        items = train.ratings["item"].to_numpy()
        ratings = train.ratings["rating"].to_numpy(dtype=np.float64)
        self._mean = float(ratings.mean()) if ratings.size else 0.0
        residual = ratings - self._mean
        self._item_bias = _damped(items, residual, train.n_items, self.damping)
        residual = residual - self._item_bias[items]
        self._user_bias = _damped(users, residual, train.n_users, self.damping)
        self._fitted = True

    def score(self, users: Indices) -> Scores:
        self._require_fit(self.name)
        row = self._item_bias.astype(np.float32)
        return np.broadcast_to(row, (len(users), row.size)).copy()

    def predict(self, users: Indices, items: Indices) -> npt.NDArray[np.float64]:
        """``[len(users)]`` predicted ratings."""
        self._require_fit(self.name)
        return self._mean + self._user_bias[users] + self._item_bias[items]


def _damped(
    index: Indices, residual: npt.NDArray[np.float64], size: int, damping: float
) -> npt.NDArray[np.float64]:
    sums = np.bincount(index, weights=residual, minlength=size)
    counts = np.bincount(index, minlength=size)
    return sums / (counts + damping)


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ matrix)
