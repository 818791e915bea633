"""Comparing two sets of ratings of the same pairs: two models, or two strategies.

A dislike is its own outcome (:mod:`tastemaker.ratings.scale`): the means are over 1..10 with
the share of dislikes beside them, two answers are "within one" only when both are ratings one
point apart or both are dislikes, and Spearman ranks each side in the order of
:mod:`tastemaker.ratings.ordering` (the full distribution where there is one).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import spearmanr

from tastemaker.ratings.ordering import ranks
from tastemaker.ratings.scale import DISLIKE

__all__ = ["Comparison", "compare_ratings"]


@dataclass(frozen=True)
class Comparison:
    """Agreement over the (persona, item) pairs both sets rated; means over 1..10."""

    pairs: int
    spearman: float | None
    exact_agreement: float | None
    within_one: float | None
    mean_a: float | None
    mean_b: float | None
    neg1_share_a: float | None = None
    neg1_share_b: float | None = None


def _side(frame: pd.DataFrame) -> pd.DataFrame:
    rated = frame.dropna(subset=["answer"]).reset_index(drop=True)
    return rated.assign(rank=ranks(rated))[["persona_id", "item_id", "answer", "rank"]]


def _mean(answers: pd.Series[int]) -> float | None:
    likes = answers[answers != DISLIKE]
    return float(likes.astype(float).mean()) if len(likes) else None


def compare_ratings(a: pd.DataFrame, b: pd.DataFrame) -> Comparison:
    """Spearman of ranks, exact agreement and agreement within one point of the answers."""
    joined = _side(a).merge(_side(b), on=["persona_id", "item_id"], suffixes=("_a", "_b"))
    n = len(joined)
    if n == 0:
        return Comparison(0, None, None, None, None, None)
    rho = spearmanr(joined["rank_a"], joined["rank_b"]).statistic if n > 2 else float("nan")
    left, right = joined["answer_a"].astype(int), joined["answer_b"].astype(int)
    dislike_a, dislike_b = left == DISLIKE, right == DISLIKE
    close = (dislike_a & dislike_b) | (~dislike_a & ~dislike_b & ((left - right).abs() <= 1))
    return Comparison(
        pairs=n,
        spearman=None if pd.isna(rho) else float(rho),
        exact_agreement=float((left == right).mean()),
        within_one=float(close.mean()),
        mean_a=_mean(left),
        mean_b=_mean(right),
        neg1_share_a=float(dislike_a.mean()),
        neg1_share_b=float(dislike_b.mean()),
    )
