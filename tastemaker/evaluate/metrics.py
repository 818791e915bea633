"""Ranking and rating metrics, vectorised over users.

The ranking metrics take a boolean hit matrix ``hits: [n_users, k]`` (``hits[u, r]`` is true
when the item ranked ``r``-th for user ``u`` is one of their relevant, i.e. test, items) and
``n_relevant: [n_users]`` (how many test items each user has), and return one value per user;
the caller averages over users. :func:`hit_matrix` builds ``hits`` from ranked item lists.

Definitions follow Microsoft Recommenders' ``python_evaluation`` (relevancy ``top_k``, every
test item relevant, binary gain), so figures compare with their published MovieLens table:

* precision@k = hits / k (``k``, not the list length: a short list is penalised);
* recall@k = hits / |relevant|;
* NDCG@k = Σ_hit 1/log(1 + rank) / Σ_{i ≤ min(k, |relevant|)} 1/log(1 + i), ranks from 1
  (the logarithm's base cancels in the ratio);
* MAP@k = Σ_hit precision@rank / |relevant| — the denominator their published ML-100K table
  used (its ``map_at_k`` before release 1.2, now named ``map``). Their later ``map_at_k``
  divides by min(k, |relevant|) instead; ask for it with ``denominator="min_k_relevant"``;
* hit rate@k = 1 when any of the top k is relevant.

Rating errors (:func:`rating_errors`) on a scale with a *dislike* value (persona ratings:
−1 beside 1..10) keep the dislike as its own outcome: RMSE and MAE over the other ratings,
and the dislikes judged by ranking, as the AUC of "a dislike is predicted below a rating".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "catalogue_coverage",
    "hit_matrix",
    "hit_rate_at_k",
    "mae",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "rating_errors",
    "recall_at_k",
    "rmse",
]

Hits = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]


def hit_matrix(
    ranked: Sequence[Sequence[int]] | npt.NDArray[np.int64], relevant: Sequence[set[int]]
) -> Hits:
    """``ranked[u]``: item ids best first (``-1`` pads a short list); -> bool ``[n_users, k]``."""
    rows = [list(r) for r in ranked]
    k = max((len(r) for r in rows), default=0)
    hits = np.zeros((len(rows), k), dtype=np.bool_)
    for u, (items, wanted) in enumerate(zip(rows, relevant, strict=True)):
        for r, item in enumerate(items):
            hits[u, r] = item >= 0 and item in wanted
    return hits


def _check(hits: Hits, n_relevant: Counts | Sequence[int], k: int) -> tuple[Hits, Floats]:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    hits = np.asarray(hits, dtype=np.bool_)
    if hits.ndim != 2:
        raise ValueError(f"hits must be [n_users, k], got shape {hits.shape}")
    relevant = np.asarray(n_relevant, dtype=np.float64)
    if relevant.shape != (hits.shape[0],):
        raise ValueError(f"n_relevant has shape {relevant.shape}, expected ({hits.shape[0]},)")
    if np.any(relevant < hits[:, :k].sum(axis=1)):
        raise ValueError("a user has more hits than relevant items")
    return hits[:, :k], relevant


def precision_at_k(hits: Hits, n_relevant: Counts | Sequence[int], k: int) -> Floats:
    """Per user: relevant items in the top ``k`` / ``k``. Shape ``[n_users]``."""
    top, _ = _check(hits, n_relevant, k)
    return np.asarray(top.sum(axis=1) / float(k), dtype=np.float64)


def recall_at_k(hits: Hits, n_relevant: Counts | Sequence[int], k: int) -> Floats:
    """Per user: relevant items in the top ``k`` / all relevant items (0 when none)."""
    top, relevant = _check(hits, n_relevant, k)
    found = top.sum(axis=1).astype(np.float64)
    return _ratio(found, relevant)


def hit_rate_at_k(hits: Hits, n_relevant: Counts | Sequence[int], k: int) -> Floats:
    """Per user: 1.0 when any of the top ``k`` is relevant, else 0.0."""
    top, _ = _check(hits, n_relevant, k)
    return np.asarray(top.any(axis=1), dtype=np.float64)


def ndcg_at_k(hits: Hits, n_relevant: Counts | Sequence[int], k: int) -> Floats:
    """Per user: binary-gain NDCG, the ideal list holding min(k, |relevant|) hits."""
    top, relevant = _check(hits, n_relevant, k)
    discount = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))  # rank 1 -> 1/log2(2)
    dcg = (top * discount[: top.shape[1]]).sum(axis=1).astype(np.float64)
    ideal_cum = np.concatenate([[0.0], np.cumsum(discount)])
    idcg = ideal_cum[np.minimum(relevant, k).astype(np.int64)]
    return _ratio(dcg, idcg)


def map_at_k(
    hits: Hits,
    n_relevant: Counts | Sequence[int],
    k: int,
    denominator: Literal["relevant", "min_k_relevant"] = "relevant",
) -> Floats:
    """Per user: average precision at the ranks of the hits in the top ``k``.

    The sum of precision@rank over hit ranks is divided by |relevant| (``"relevant"``, as in
    Microsoft Recommenders' published ML-100K table) or by min(k, |relevant|)
    (``"min_k_relevant"``, their ``map_at_k`` since release 1.2).
    """
    top, relevant = _check(hits, n_relevant, k)
    ranks = np.arange(1, top.shape[1] + 1, dtype=np.float64)
    precision_at_hits = np.cumsum(top, axis=1) / ranks * top
    total = precision_at_hits.sum(axis=1).astype(np.float64)
    norm = relevant if denominator == "relevant" else np.minimum(relevant, float(k))
    return _ratio(total, norm)


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    """``numerator / denominator`` elementwise, 0 where the denominator is 0."""
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def catalogue_coverage(recommended: npt.NDArray[np.int64], n_items: int) -> float:
    """Share of the catalogue's ``n_items`` that appear in any list (``-1`` entries ignored)."""
    if n_items <= 0:
        raise ValueError("n_items must be positive")
    items = np.asarray(recommended).ravel()
    return float(np.unique(items[items >= 0]).size) / n_items


def rmse(predicted: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Root mean squared error of predicted ratings; shapes ``[n]`` and ``[n]``."""
    diff = _pair(predicted, actual)
    return float(np.sqrt(np.mean(diff**2)))


def mae(predicted: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Mean absolute error of predicted ratings; shapes ``[n]`` and ``[n]``."""
    return float(np.mean(np.abs(_pair(predicted, actual))))


def rating_errors(
    predicted: npt.ArrayLike, actual: npt.ArrayLike, dislike: float | None = None
) -> dict[str, float]:
    """``rmse`` and ``mae`` of ``[n]`` predictions against ``[n]`` ratings.

    With ``dislike`` (the scale's dislike value, e.g. −1) the errors are over the other
    ratings only, and ``dislikes`` (their count) and, when both kinds are present,
    ``dislike_auc`` (the share of (dislike, rating) pairs whose dislike is predicted lower,
    ties half) say how the dislikes fared: a dislike is no number just below 1.
    """
    p = np.asarray(predicted, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    _pair(p, a)  # shapes
    if dislike is None:
        return {"rmse": rmse(p, a), "mae": mae(p, a)}
    disliked = a == dislike
    out: dict[str, float] = {"dislikes": float(disliked.sum())}
    if (~disliked).any():
        out |= {"rmse": rmse(p[~disliked], a[~disliked]), "mae": mae(p[~disliked], a[~disliked])}
        if disliked.any():
            low, high = p[disliked][:, None], p[~disliked][None, :]
            out["dislike_auc"] = float(((low < high) + 0.5 * (low == high)).mean())
    return out


def _pair(predicted: npt.ArrayLike, actual: npt.ArrayLike) -> Floats:
    p = np.asarray(predicted, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if p.shape != a.shape or p.ndim != 1 or p.size == 0:
        raise ValueError(f"need two non-empty [n] arrays, got {p.shape} and {a.shape}")
    return p - a
