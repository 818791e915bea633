"""Calibration: map ratings onto a target distribution by quantiles, keeping every order.

The default rater's answers are compressed (expected ratings of 4.3–6.3, never −1), yet its
ranking is good. Calibration keeps the ranking and fixes the spread. Ratings are ordered by
their whole distribution (:mod:`tastemaker.ratings.ordering`: most likely answer, expected
rating over 1..10, less P(dislike), more P(10), P(9) …); a rating with ``b`` fitted ratings
below it and ``e`` equal to it sits at quantile q = (b + e/2)/N of the N fitted ratings and
receives the target answer at q. So distinct ratings get (r + ½)/N as before, and ratings
equal on every key — ties — get one value: neither input order nor a persona's id can decide
between them. The map is monotone, so no persona's order of items is ever reversed; the
calibrated histogram matches the target up to rounding and up to ties (a tie is never split).

:class:`Calibrator` is the map fitted on one set of ratings (a training side) and applied to
any other (its test side) without refitting, so held-out ratings cannot shape the training
targets; :func:`calibrate` fits and applies on the same ratings. The target is an [11]
vector: ``uniform``, a JSON file (:func:`load_target`), or the distribution of real ratings
(:func:`target_from_ratings`; ``ratings calibrate --target real``), so synthetic shoppers spread
their ratings as the real shoppers of the store do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from tastemaker.errors import ConfigError
from tastemaker.ratings.ordering import order_keys, ranks_of
from tastemaker.ratings.scale import ANSWERS

__all__ = [
    "CalibrationReport",
    "Calibrator",
    "calibrate",
    "distribution_summary",
    "load_target",
    "target_from_ratings",
]

FloatArray = npt.NDArray[np.float64]


def load_target(spec: str) -> FloatArray:
    """``"uniform"`` or a JSON file mapping each answer (``"-1"``, ``"1"``…``"10"``) to a weight.

    Returns an [11] probability vector in ANSWERS order.
    """
    if spec == "uniform":
        uniform: FloatArray = np.full(len(ANSWERS), 1.0 / len(ANSWERS))
        return uniform
    path = Path(spec)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--target {spec}: not 'uniform' and no such file") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected an object mapping answers to weights")
    unknown = sorted(set(raw) - {str(a) for a in ANSWERS})
    if unknown:
        raise ConfigError(f"{path}: unknown answer(s) {', '.join(unknown)}; allowed: -1, 1..10")
    weights = np.array([float(raw.get(str(a), 0.0)) for a in ANSWERS])
    if (weights < 0).any() or not weights.sum() > 0:
        raise ConfigError(f"{path}: weights must be non-negative and not all zero")
    normalised: FloatArray = weights / weights.sum()
    return normalised


def target_from_ratings(ratings: npt.ArrayLike) -> FloatArray:
    """The [11] target (ANSWERS order) of ratings already on the model's scale (−1, or 1..10
    as real feedback maps by :mod:`tastemaker.datasets.scales`).

    A mapped value between two answers counts for the nearest one, halves rounding up (a
    1–5 star scale maps to 1, 3.25, 5.5, 7.75, 10 and lands on 1, 3, 6, 8, 10): the target
    keeps the real shoppers' shares, on the answers the rater can give. An empty input or a
    value off the model's scale is a ConfigError, never a silent uniform.
    """
    values = np.asarray(ratings, dtype=np.float64).ravel()
    if values.size == 0:
        raise ConfigError("--target real: no real explicit ratings to take the distribution from")
    dislike = values == -1.0
    liking = values[~dislike]
    if not np.isfinite(liking).all() or (liking < 1.0).any() or (liking > 10.0).any():
        bad = liking[~(np.isfinite(liking) & (liking >= 1.0) & (liking <= 10.0))][0]
        raise ConfigError(f"--target real: rating {bad:g} is not on the model's scale (-1, 1..10)")
    answers = np.concatenate([np.full(int(dislike.sum()), -1), np.floor(liking + 0.5)])
    counts = np.array([(answers == a).sum() for a in ANSWERS], dtype=np.float64)
    target: FloatArray = counts / counts.sum()
    return target


def _histogram(answers: npt.ArrayLike) -> FloatArray:
    values = np.asarray(answers)
    counts = np.array([(values == a).sum() for a in ANSWERS], dtype=np.float64)
    shares: FloatArray = counts / max(1.0, counts.sum())
    return shares


def distribution_summary(answers: npt.ArrayLike, target: FloatArray) -> dict[str, float | None]:
    """Distances of the histogram of ``answers`` to ``target``, the dislike apart.

    ``wasserstein``: between the two distributions over 1..10 given not a dislike (None when
    either has no rating above −1); ``neg1_gap``: the absolute difference of the dislike
    shares; ``jsd`` (base 2) over the 11 answers as categories; ``neg1_share`` and
    ``modal_share`` of ``answers``. A dislike is no point on the 1..10 line, so no distance
    pretends it lies 2 below a 1 (:mod:`tastemaker.ratings.scale`).
    """
    hist = _histogram(answers)
    likes, wanted = hist[1:], target[1:]
    wasserstein = (
        float(wasserstein_distance(ANSWERS[1:], ANSWERS[1:], likes, wanted))
        if likes.sum() > 0 and wanted.sum() > 0
        else None
    )
    return {
        "wasserstein": wasserstein,
        "neg1_gap": float(abs(hist[0] - target[0])),
        "jsd": float(jensenshannon(hist, target, base=2) ** 2),
        "neg1_share": float(hist[0]),
        "modal_share": float(hist.max()),
    }


@dataclass(frozen=True)
class CalibrationReport:
    """Before/after figures of one calibration against one target."""

    n: int
    target: list[float]
    before: dict[str, float | None]
    after: dict[str, float | None]


@dataclass(frozen=True)
class Calibrator:
    """The quantile map fitted on some ratings (see the module docstring).

    ``keys``: ``[n_keys, N]`` order keys of the N fitted (non-failed) ratings, sorted;
    ``target``: the [11] target distribution in ANSWERS order.
    """

    keys: FloatArray
    target: FloatArray

    @classmethod
    def fit(cls, ratings: pd.DataFrame, target: FloatArray) -> Calibrator:
        """Fit on ``ratings`` (columns ``answer``, ``expected_rating``, ``p_*`` when present;
        rows with a null answer, the recorded failures, are left out)."""
        valid = ratings[ratings["answer"].notna()]
        keys = order_keys(valid)
        order = np.lexsort(keys[::-1])
        return cls(keys=keys[:, order], target=np.asarray(target, dtype=np.float64))

    @property
    def n(self) -> int:
        return int(self.keys.shape[1])

    def apply(self, ratings: pd.DataFrame) -> pd.Series[int]:
        """Calibrated answers aligned with ``ratings.index`` (null where the answer is null)."""
        if self.n == 0:
            raise ConfigError("the calibrator was fitted on no ratings")
        valid = ratings["answer"].notna().to_numpy()
        calibrated = pd.Series(pd.NA, index=ratings.index, dtype="Int64")
        if not valid.any():
            return calibrated
        new = order_keys(ratings[valid])
        joined = ranks_of(np.hstack([self.keys, new]))
        fitted, wanted = joined[: self.n], joined[self.n :]  # fitted is sorted
        below = np.searchsorted(fitted, wanted, side="left")
        equal = np.searchsorted(fitted, wanted, side="right") - below
        quantiles = (below + equal / 2.0) / self.n
        cdf = np.cumsum(self.target)
        cdf[-1] = 1.0
        index = np.searchsorted(cdf, quantiles, side="right").clip(0, len(ANSWERS) - 1)
        calibrated.loc[valid] = np.array(ANSWERS)[index]
        return calibrated


def calibrate(
    ratings: pd.DataFrame, target: FloatArray
) -> tuple[pd.Series[int], CalibrationReport]:
    """Calibrated answers for ``ratings`` (columns ``answer``, ``expected_rating``; ``p_*``
    used when present), fitted on the same ratings.

    Rows whose answer is null (recorded failures) stay null; ratings equal on every order key
    get equal values. Returns the calibrated answers (aligned with ``ratings.index``) and the
    report.
    """
    valid = ratings["answer"].notna()
    if not valid.any():
        empty = pd.Series(pd.NA, index=ratings.index, dtype="Int64")
        none = distribution_summary([], target)
        return empty, CalibrationReport(0, [float(t) for t in target], none, none)
    calibrated = Calibrator.fit(ratings, target).apply(ratings)
    before = ratings.loc[valid, "answer"].astype(int).to_numpy()
    after = calibrated[valid].astype(int).to_numpy()
    report = CalibrationReport(
        n=int(valid.sum()),
        target=[float(t) for t in target],
        before=distribution_summary(before, target),
        after=distribution_summary(after, target),
    )
    return calibrated, report
