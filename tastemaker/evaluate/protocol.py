"""The recommender protocol, and the two evaluation protocols every model goes through.

A model is anything with a ``name``, ``fit(train)`` and ``score(users)`` (see
:class:`Recommender`); models that also predict ratings add ``predict(users, items)``
(:class:`RatingPredictor`) and get RMSE / MAE. The two-tower model plugs in the same way.

* **Full ranking** (:func:`evaluate_full_ranking`), the headline protocol: every catalogue item
  is scored for every test user, the user's training items are excluded, the top ``k`` kept.
  Users are scored in batches so memory stays bounded by ``max_cells`` scores at a time.
* **Sampled candidates** (:func:`evaluate_sampled`), reported separately and labelled so: each
  test rating is ranked against ``n_negatives`` (100) items the user never rated, drawn with a
  fixed seed (the NCF protocol). Much easier than full ranking; never compare the two.
"""

from __future__ import annotations

from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.metrics import (
    catalogue_coverage,
    hit_rate_at_k,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    rating_errors,
    recall_at_k,
)

__all__ = [
    "FULL_RANKING",
    "SAMPLED",
    "DislikePredictor",
    "RatingPredictor",
    "Recommender",
    "evaluate_full_ranking",
    "evaluate_ratings",
    "evaluate_sampled",
    "top_k",
]

FULL_RANKING: Final = "full ranking: all catalogue items, the user's training items excluded"
SAMPLED: Final = "sampled: each test item vs 100 random unrated items (not comparable to full)"

Scores = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]


@runtime_checkable
class Recommender(Protocol):
    """A model the evaluation can fit and rank with.

    ``score`` returns float32 ``[len(users), n_items]`` (column ``j`` = ``train.items`` row
    ``j``), higher meaning more recommended; ``-inf`` marks items the model must never
    recommend (e.g. items it never saw). The evaluation itself excludes training items, so
    ``score`` need not. It must be deterministic after ``fit`` and never return NaN.
    """

    @property
    def name(self) -> str:
        """Short key used in tables and JSON, e.g. ``"als"``."""
        ...

    def fit(self, train: Dataset) -> None:
        """Learn from ``train.ratings`` (and, if wanted, ``train.users`` / ``train.items``)."""
        ...

    def score(self, users: Indices) -> Scores:
        """Every catalogue item's score for ``users`` (dense indices): ``[len(users), n_items]``."""
        ...


@runtime_checkable
class RatingPredictor(Protocol):
    """A model with a rating head: predicted ratings on the dataset's own scale."""

    def predict(self, users: Indices, items: Indices) -> npt.NDArray[np.float64]:
        """Predicted rating of each ``(users[i], items[i])`` pair: ``[len(users)]``."""
        ...


@runtime_checkable
class DislikePredictor(Protocol):
    """A rating predictor on a scale with a dislike answer, which it predicts as its own
    outcome: ``predict`` is the rating given no dislike, ``predict_dislike`` its probability."""

    @property
    def dislike_value(self) -> float | None:
        """The rating that means "dislike" (-1 on the persona scale); None: the scale has none."""
        ...

    def predict(self, users: Indices, items: Indices) -> npt.NDArray[np.float64]: ...

    def predict_dislike(self, users: Indices, items: Indices) -> npt.NDArray[np.float64]:
        """P(dislike) of each ``(users[i], items[i])`` pair: ``[len(users)]``."""
        ...


def _batches(users: Indices, n_items: int, max_cells: int) -> list[Indices]:
    size = max(1, max_cells // max(1, n_items))
    return [users[i : i + size] for i in range(0, len(users), size)]


def _scored(model: Recommender, users: Indices, n_items: int) -> Scores:
    scores = np.asarray(model.score(users), dtype=np.float32)
    if scores.shape != (len(users), n_items):
        raise ValueError(
            f"{model.name}.score returned shape {scores.shape}, expected {(len(users), n_items)}"
        )
    if np.isnan(scores).any():
        raise ValueError(f"{model.name}.score returned NaN")
    return scores


def top_k(scores: Scores, k: int) -> Indices:
    """Best ``k`` columns per row, best first; ``-1`` where fewer than ``k`` are finite.

    Ties are broken by the lower item index so results do not depend on the sort algorithm.
    Shape ``[n_rows, k]`` (``k`` capped at the number of columns).
    """
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -values), axis=1)
    ranked = np.take_along_axis(part, order, axis=1).astype(np.int64)
    # argpartition keeps an arbitrary few of the items tied with the k-th score; where some of
    # them were left out, take the lowest indices among all of them (a few rows, a few items).
    kth = np.take_along_axis(values, order, axis=1)[:, -1]
    crossing = np.flatnonzero(((scores >= kth[:, None]).sum(axis=1) > k) & np.isfinite(kth))
    for row in crossing:
        candidates = np.flatnonzero(scores[row] >= kth[row])
        best = np.lexsort((candidates, -scores[row, candidates]))[:k]
        ranked[row] = candidates[best]
    ranked[~np.isfinite(np.take_along_axis(scores, ranked, axis=1))] = -1
    return ranked


def evaluate_full_ranking(
    model: Recommender,
    train: Dataset,
    test: pd.DataFrame,
    k: int = 10,
    max_cells: int = 1 << 24,
) -> dict[str, float]:
    """Full-ranking metrics at ``k`` over the users with test ratings (all test items relevant).

    Returns ``recall_at_k``, ``precision_at_k``, ``ndcg_at_k``, ``map_at_k``, ``hit_rate_at_k``
    (means over test users), ``coverage_at_k`` (share of the catalogue recommended to anyone)
    and ``users``. ``max_cells`` bounds the scores held at once (``batch × n_items``).
    """
    n_items = train.n_items
    seen = train.matrix()
    truth = train.with_ratings(test).matrix()
    users = np.unique(test["user"].to_numpy()).astype(np.int64)
    per_user: dict[str, list[npt.NDArray[np.float64]]] = {m: [] for m in _RANKING}
    recommended: list[Indices] = []
    for batch in _batches(users, n_items, max_cells):
        scores = _scored(model, batch, n_items)
        rows, cols = seen[batch].nonzero()
        scores[rows, cols] = -np.inf
        ranked = top_k(scores, k)
        relevant = truth[batch]
        dense = relevant.toarray() > 0  # [batch, n_items], as bounded as the scores
        hits = np.take_along_axis(dense, np.maximum(ranked, 0), axis=1) & (ranked >= 0)
        n_relevant = np.diff(relevant.indptr).astype(np.int64)
        for metric, fn in _RANKING.items():
            per_user[metric].append(fn(hits, n_relevant, k))
        recommended.append(ranked)
    result = {
        f"{metric}_at_{k}": float(np.concatenate(values).mean()) if len(users) else 0.0
        for metric, values in per_user.items()
    }
    all_ranked = np.concatenate(recommended) if recommended else np.zeros((0, k), np.int64)
    result[f"coverage_at_{k}"] = catalogue_coverage(all_ranked, n_items)
    result["users"] = float(len(users))
    return result


_RANKING: Final = {
    "recall": recall_at_k,
    "precision": precision_at_k,
    "ndcg": ndcg_at_k,
    "map": map_at_k,
    "hit_rate": hit_rate_at_k,
}


def evaluate_sampled(
    model: Recommender,
    train: Dataset,
    test: pd.DataFrame,
    k: int = 10,
    n_negatives: int = 100,
    seed: int = 42,
    max_cells: int = 1 << 24,
) -> dict[str, float]:
    """Sampled-candidates HitRate and NDCG at ``k`` (see module docstring), one row per rating.

    A tie between the test item and a negative counts against the model (pessimistic), so a
    constant scorer gets 0, not a flattering average. Users with fewer than ``n_negatives``
    unrated items use them all. Returns ``sampled_hit_rate_at_k``, ``sampled_ndcg_at_k``,
    ``sampled_ratings``.
    """
    if test.empty:
        return {
            f"sampled_hit_rate_at_{k}": 0.0,
            f"sampled_ndcg_at_{k}": 0.0,
            "sampled_ratings": 0.0,
        }
    rng = np.random.default_rng(seed)
    rated = (train.matrix() + train.with_ratings(test).matrix()).tocsr()
    test_users = test["user"].to_numpy(dtype=np.int64)
    test_items = test["item"].to_numpy(dtype=np.int64)
    order = np.lexsort((test_items, test_users))  # by user, then item: independent of row order
    users, starts = np.unique(test_users[order], return_index=True)
    by_user = dict(zip(users.tolist(), np.split(test_items[order], starts[1:]), strict=True))
    ranks: list[Indices] = []
    for batch in _batches(users, train.n_items, max_cells):
        scores = _scored(model, batch, train.n_items)
        for row, user in enumerate(batch):
            pool = _unrated(rated, int(user), train.n_items)
            positives = by_user[int(user)]
            take = min(n_negatives, len(pool))
            negatives = np.stack([rng.choice(pool, take, replace=False) for _ in positives])
            pos = scores[row, positives][:, None]
            ranks.append((scores[row, negatives] >= pos).sum(axis=1).astype(np.int64))
    rank = np.concatenate(ranks) if ranks else np.zeros(0, np.int64)
    hit = rank < k
    gain = np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
    return {
        f"sampled_hit_rate_at_{k}": float(hit.mean()) if rank.size else 0.0,
        f"sampled_ndcg_at_{k}": float(gain.mean()) if rank.size else 0.0,
        "sampled_ratings": float(rank.size),
    }


def _unrated(rated: sp.csr_matrix, user: int, n_items: int) -> Indices:
    mask = np.ones(n_items, dtype=np.bool_)
    mask[rated.indices[rated.indptr[user] : rated.indptr[user + 1]]] = False
    return np.flatnonzero(mask).astype(np.int64)


def evaluate_ratings(
    model: RatingPredictor, test: pd.DataFrame, dislike: float | None = None
) -> dict[str, float]:
    """RMSE and MAE of ``model.predict`` on the test ratings.

    On a scale with a dislike answer (``dislike``, or the model's ``dislike_value``: −1 on the
    persona scale) a dislike is no number to compare a rating with: RMSE and MAE cover the
    graded ratings only (``rated``) and the dislikes are scored apart — as the Brier score of
    ``predict_dislike`` over every test pair (``dislike_brier``) for a
    :class:`DislikePredictor`, else by how often a dislike is predicted below a rating
    (``dislike_auc``, :func:`~tastemaker.evaluate.metrics.rating_errors`).
    """
    users = test["user"].to_numpy(dtype=np.int64)
    items = test["item"].to_numpy(dtype=np.int64)
    actual = test["rating"].to_numpy(dtype=np.float64)
    if dislike is None:
        dislike = getattr(model, "dislike_value", None)
    if dislike is None or not isinstance(model, DislikePredictor):
        return rating_errors(model.predict(users, items), actual, dislike)
    disliked = actual == dislike
    graded = ~disliked
    result: dict[str, float] = {"rated": int(graded.sum()), "dislikes": int(disliked.sum())}
    if graded.any():
        predicted = model.predict(users[graded], items[graded])
        result |= rating_errors(predicted, actual[graded])
    if len(actual):
        p_dislike = model.predict_dislike(users, items)
        result["dislike_brier"] = float(np.mean((p_dislike - disliked) ** 2))
    return result
