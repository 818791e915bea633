"""How closely a scorer (a twin, or a cheap baseline) behaves like the real users it mirrors.

* :func:`discrimination` — on the cases' first ``ratio`` negatives: pairwise accuracy (the
  share of (positive, negative) pairs the scorer orders right, ties counting half, as in
  Agent4Rec), AUC over the pooled scores, and precision, recall and F1 of "would like"
  (score ≥ ``like_at``) against the truth; a 95% interval on the pairwise accuracy from a
  bootstrap over users (users, not pairs, are the independent draws).
* :func:`agreement` — on held-out explicit ratings: RMSE, MAE and Spearman's rho between the
  scorer's rating, put on the user's own scale, and the real one.

A case whose score is missing (a rating the LLM failed) is left out and counted, never filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata, spearmanr

from tastemaker.datasets.scales import RatingScale
from tastemaker.ratings.fidelity.cases import AgreementCase, Case

__all__ = ["Scores", "agreement", "discrimination", "from_model_scale", "quantile_map"]

#: (user, item) -> score; higher means "more likely to like".
Scores = Mapping[tuple[str, str], float]
_BOOTSTRAP: Final = 1000


def _bootstrap(per_user: dict[str, list[float]], seed: int) -> tuple[float, float]:
    users = sorted(per_user)
    if len(users) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    sums = np.array([sum(per_user[u]) for u in users])
    counts = np.array([len(per_user[u]) for u in users])
    draws = rng.integers(0, len(users), size=(_BOOTSTRAP, len(users)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def discrimination(
    cases: Sequence[Case], scores: Scores, ratio: int, *, like_at: float, seed: int = 0
) -> dict[str, float]:
    """Pairwise accuracy (with its 95% interval), AUC, precision/recall/F1 at 1:``ratio``."""
    per_user: dict[str, list[float]] = {}
    positives: list[float] = []
    negatives: list[float] = []
    missing = 0
    for case in cases:
        items = (case.positive, *case.negatives[:ratio])
        values = [scores.get((case.user_id, i)) for i in items]
        if any(v is None for v in values):
            missing += 1
            continue
        top, *rest = (float(v) for v in values if v is not None)
        outcomes = [1.0 if top > s else 0.5 if top == s else 0.0 for s in rest]
        per_user.setdefault(case.user_id, []).extend(outcomes)
        positives.append(top)
        negatives.extend(rest)
    pairs = sum(len(v) for v in per_user.values())
    accuracy = sum(sum(v) for v in per_user.values()) / pairs if pairs else float("nan")
    low, high = _bootstrap(per_user, seed)
    return {
        "ratio": ratio,
        "cases": len(positives),
        "missing": missing,
        "pairs": pairs,
        "pairwise_accuracy": accuracy,
        "accuracy_low": low,
        "accuracy_high": high,
        "auc": _auc(positives, negatives),
        **_thresholded(positives, negatives, like_at),
    }


def _auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Mann–Whitney U / (n+ · n−): the chance a random positive outscores a random negative."""
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(np.concatenate([positives, negatives]))
    u = ranks[: len(positives)].sum() - len(positives) * (len(positives) + 1) / 2
    return float(u / (len(positives) * len(negatives)))


def _thresholded(
    positives: Sequence[float], negatives: Sequence[float], like_at: float
) -> dict[str, float]:
    tp = sum(s >= like_at for s in positives)
    fp = sum(s >= like_at for s in negatives)
    fn = len(positives) - tp
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else float("nan")
    return {"precision": precision, "recall": recall, "f1": f1}


def from_model_scale(rating: float, scale: str) -> float:
    """A model-scale rating (1..10) on a user's own numeric scale: the inverse of the import
    rule, clipped to the scale (a dislike, −1, reads as the bottom)."""
    parsed = RatingScale.from_spec(scale)
    if parsed.kind == "thumbs":
        return 1.0 if rating >= 5.5 else 0.0
    value = parsed.low + (max(1.0, rating) - 1.0) * (parsed.high - parsed.low) / 9.0
    return float(min(parsed.high, max(parsed.low, value)))


def quantile_map(values: npt.ArrayLike, target: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Each of ``values`` replaced by the ``target`` value at its own quantile (ties share the
    average rank): a monotone map onto ``target``'s distribution, fitted on no truth."""
    points = np.asarray(values, dtype=np.float64)
    reference = np.sort(np.asarray(target, dtype=np.float64))
    if points.size == 0 or reference.size == 0:
        return points.copy()
    quantiles = (rankdata(points) - 0.5) / points.size
    mapped: npt.NDArray[np.float64] = np.quantile(reference, quantiles, method="inverted_cdf")
    return mapped


def agreement(
    cases: Sequence[AgreementCase], predicted: Mapping[tuple[str, str], float]
) -> dict[str, float]:
    """RMSE, MAE and Spearman of ``predicted`` (on each case's own scale) against the truth."""
    pairs = [(predicted[(c.user_id, c.item_id)], c.value) for c in cases
             if (c.user_id, c.item_id) in predicted]  # fmt: skip
    if len(pairs) < 2:
        return {"n": len(pairs), "missing": len(cases) - len(pairs), "rmse": float("nan"),
                "mae": float("nan"), "spearman": float("nan")}  # fmt: skip
    guess, truth = (np.array(v, dtype=np.float64) for v in zip(*pairs, strict=True))
    rho = spearmanr(guess, truth).statistic if np.ptp(guess) > 0 and np.ptp(truth) > 0 else np.nan
    return {
        "n": len(pairs),
        "missing": len(cases) - len(pairs),
        "rmse": float(np.sqrt(np.mean((guess - truth) ** 2))),
        "mae": float(np.mean(np.abs(guess - truth))),
        "spearman": float(rho),
    }
