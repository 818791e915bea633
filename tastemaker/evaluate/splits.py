"""Train/test splits of a ratings frame; none lets a test (user, item) pair into training.

* :func:`stratified_split`: Microsoft Recommenders' ``python_stratified_split`` exactly —
  ``numpy.random.seed(seed)``, one uniform draw per row in file order, rows sorted by (user,
  draw), and each user's first ``ratio`` share (rank / count ≤ ratio) kept for training. With
  the same input order and seed it selects the same rows, so figures compare with their
  published benchmark. A user with a single rating lands only in test (as there).
* :func:`leave_last_out`: each user's latest rating is the test set (NCF-style); a user with one
  rating stays in training only.
* :func:`temporal_split`: one global time cut, the oldest ``ratio`` share trains; test keeps only
  users seen in training unless ``keep_cold_users`` (cold-start is a different task).

Every split finally drops test rows whose (user, item) pair is also in training (possible
only with repeated ratings), so no test answer is ever seen while fitting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.errors import ConfigError

__all__ = ["SPLITS", "Split", "leave_last_out", "make_split", "stratified_split", "temporal_split"]

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Split:
    """A split's ``train`` and ``test`` rows (original row order) and how it was made.

    ``rating_test``: the held-out ratings the rating metrics (RMSE, MAE) score, when the
    ranking test keeps only some of them (persona data: positives only); None: ``test``.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    method: str
    params: dict[str, object] = field(default_factory=dict)
    rating_test: pd.DataFrame | None = None

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method}({args}): {len(self.train)} train / {len(self.test)} test ratings"


def _finish(
    ratings: pd.DataFrame, train_mask: Mask, test_mask: Mask, method: str, **params: object
) -> Split:
    train = ratings.loc[train_mask]
    test = ratings.loc[test_mask]
    seen = pd.MultiIndex.from_frame(train[["user", "item"]])
    fresh = ~pd.MultiIndex.from_frame(test[["user", "item"]]).isin(seen)
    return Split(train, test.loc[fresh], method, dict(params))


def stratified_split(ratings: pd.DataFrame, ratio: float = 0.75, seed: int = 42) -> Split:
    """Per-user random split, ``ratio`` of each user's ratings to training (see module doc).

    ``ratings`` needs a ``user`` column; its row order matters (it fixes which draw each row
    gets), so pass ratings in file order to reproduce Microsoft Recommenders' split.
    """
    if not 0.0 < ratio < 1.0:
        raise ConfigError(f"split ratio must be in (0, 1), got {ratio}")
    n = len(ratings)
    draws = np.random.RandomState(seed).rand(n)  # the legacy stream np.random.seed(seed) gives
    users = ratings["user"].to_numpy()
    order = np.lexsort((draws, users))  # by user, then by draw
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, n])
    group_start = np.repeat(starts, counts)
    rank = (np.arange(n) - group_start + 1) / np.repeat(counts, counts)
    train_sorted = rank <= ratio
    train_mask = np.empty(n, dtype=np.bool_)
    train_mask[order] = train_sorted
    return _finish(ratings, train_mask, ~train_mask, "stratified", ratio=ratio, seed=seed)


def leave_last_out(ratings: pd.DataFrame) -> Split:
    """Each user's latest rating (by ``timestamp``, later row on ties) is their test item."""
    n = len(ratings)
    order = np.lexsort((np.arange(n), ratings["timestamp"].to_numpy(), ratings["user"].to_numpy()))
    users = ratings["user"].to_numpy()[order]
    last = np.r_[users[1:] != users[:-1], True]
    first = np.r_[True, users[1:] != users[:-1]]
    test_sorted = last & ~first  # a single-rating user keeps it for training
    test_mask = np.empty(n, dtype=np.bool_)
    test_mask[order] = test_sorted
    return _finish(ratings, ~test_mask, test_mask, "leave_last_out")


def temporal_split(
    ratings: pd.DataFrame, ratio: float = 0.8, keep_cold_users: bool = False
) -> Split:
    """Global time cut: ratings up to the ``ratio`` quantile of ``timestamp`` train, later test.

    Ratings sharing the cut-off timestamp all go to training, so the share may exceed ``ratio``
    slightly; no training rating is ever later than a test rating.
    """
    if not 0.0 < ratio < 1.0:
        raise ConfigError(f"split ratio must be in (0, 1), got {ratio}")
    stamps = ratings["timestamp"].to_numpy()
    if len(stamps) == 0:
        return _finish(ratings, np.zeros(0, np.bool_), np.zeros(0, np.bool_), "temporal")
    cut = np.sort(stamps)[max(0, math.ceil(ratio * len(stamps)) - 1)]
    train_mask = stamps <= cut
    test_mask = ~train_mask
    if not keep_cold_users:
        known = np.isin(ratings["user"].to_numpy(), ratings["user"].to_numpy()[train_mask])
        test_mask &= known
    params = {"ratio": ratio, "cutoff": int(cut), "keep_cold_users": keep_cold_users}
    return _finish(ratings, train_mask, test_mask, "temporal", **params)


SPLITS = ("stratified", "leave_last_out", "temporal")


def make_split(method: str, ratings: pd.DataFrame, ratio: float = 0.75, seed: int = 42) -> Split:
    """Dispatch by name (:data:`SPLITS`); ``ratio`` applies to stratified and temporal."""
    if method == "stratified":
        return stratified_split(ratings, ratio, seed)
    if method == "leave_last_out":
        return leave_last_out(ratings)
    if method == "temporal":
        return temporal_split(ratings, ratio)
    raise ConfigError(f"unknown split {method!r}; choose one of {', '.join(SPLITS)}")
