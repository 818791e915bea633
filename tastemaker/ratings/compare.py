"""Comparing two sets of ratings of the same pairs: two models, or two strategies."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import spearmanr

__all__ = ["Comparison", "compare_ratings"]


@dataclass(frozen=True)
class Comparison:
    """Agreement over the (persona, item) pairs both sets rated."""

    pairs: int
    spearman: float | None
    exact_agreement: float | None
    within_one: float | None
    mean_a: float | None
    mean_b: float | None


def _score(frame: pd.DataFrame) -> pd.Series[float]:
    """The expected rating where a distribution exists, else the answer."""
    return frame["expected_rating"].fillna(frame["answer"].astype("Float64")).astype(float)


def compare_ratings(a: pd.DataFrame, b: pd.DataFrame) -> Comparison:
    """Spearman of scores, exact agreement and agreement within one point of the answers."""
    left = a.dropna(subset=["answer"]).assign(score=_score)
    right = b.dropna(subset=["answer"]).assign(score=_score)
    joined = left.merge(right, on=["persona_id", "item_id"], suffixes=("_a", "_b"))
    n = len(joined)
    if n == 0:
        return Comparison(0, None, None, None, None, None)
    rho = spearmanr(joined["score_a"], joined["score_b"]).statistic if n > 2 else float("nan")
    diff = (joined["answer_a"].astype(int) - joined["answer_b"].astype(int)).abs()
    return Comparison(
        pairs=n,
        spearman=None if pd.isna(rho) else float(rho),
        exact_agreement=float((diff == 0).mean()),
        within_one=float((diff <= 1).mean()),
        mean_a=float(joined["answer_a"].astype(float).mean()),
        mean_b=float(joined["answer_b"].astype(float).mean()),
    )
