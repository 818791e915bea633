"""Calibration: map ratings onto a target distribution by quantiles, keeping every order.

The default rater's answers are compressed (expected ratings of 4.3–6.3, never −1), yet its
ranking is good. Calibration keeps the ranking and fixes the spread: all ratings are sorted by
(most likely answer, expected rating) — the expected rating breaks ties between equal answers —
and the rating at global rank r of N receives the target answer at quantile (r + ½)/N. The map
is monotone, so no persona's order of items is ever reversed, and the calibrated histogram
matches the target up to rounding.
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
from tastemaker.ratings.scale import ANSWERS

__all__ = ["CalibrationReport", "calibrate", "distribution_summary", "load_target"]

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


def calibrate(
    ratings: pd.DataFrame, target: FloatArray
) -> tuple[pd.Series[int], CalibrationReport]:
    """Calibrated answers for ``ratings`` (columns ``answer``, ``expected_rating``).

    Rows whose answer is null (recorded failures) stay null. A missing expected rating (free
    or sampled answers) ties equal answers, which then keep their input order.
    Returns the calibrated answers (aligned with ``ratings.index``) and the report.
    """
    valid = ratings["answer"].notna()
    frame = ratings.loc[valid, ["answer", "expected_rating"]].astype(float)
    order = np.lexsort(
        (frame["expected_rating"].fillna(frame["answer"]).to_numpy(), frame["answer"].to_numpy())
    )
    n = len(order)
    cdf = np.cumsum(target)
    cdf[-1] = 1.0
    quantiles = (np.arange(n) + 0.5) / max(n, 1)
    mapped = np.array(ANSWERS)[np.searchsorted(cdf, quantiles, side="right").clip(0, 10)]
    calibrated_valid = np.empty(n, dtype=np.int64)
    calibrated_valid[order] = mapped
    calibrated = pd.Series(pd.NA, index=ratings.index, dtype="Int64")
    calibrated.loc[valid] = calibrated_valid
    report = CalibrationReport(
        n=n,
        target=[float(t) for t in target],
        before=distribution_summary(frame["answer"].to_numpy(), target),
        after=distribution_summary(calibrated_valid, target),
    )
    return calibrated, report
