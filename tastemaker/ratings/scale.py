"""The rating scale: ``-1`` means dislike, ``1``..``10`` how much the persona likes the item.

Everything that turns probabilities into numbers lives here, so the store, the Parquet export,
the diagnostics and calibration agree on the order of the 11 answers and their column names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ANSWERS",
    "ANSWER_COLUMNS",
    "SCALE_DESCRIPTIONS",
    "column_for",
    "distribution_vector",
    "expected_rating",
    "most_likely",
]

#: The 11 allowed answers, in the canonical order used by every array of probabilities.
ANSWERS: Final[tuple[int, ...]] = (-1, *range(1, 11))
#: Column names of the answer probabilities, in :data:`ANSWERS` order.
ANSWER_COLUMNS: Final[tuple[str, ...]] = tuple("p_neg1" if a == -1 else f"p_{a}" for a in ANSWERS)

#: What each point of the scale means; prompts describe every point (the original team found
#: that an explicit description of the whole scale stops the model from inventing its own).
SCALE_DESCRIPTIONS: Final[dict[int, str]] = {
    -1: "dislike: you would never wear or buy it; it clashes with your taste",
    1: "barely tolerable: not your style at all",
    2: "very poor fit for your taste",
    3: "poor fit; you would pass on it",
    4: "below average; something about it is off for you",
    5: "neutral; neither drawn to it nor put off",
    6: "mildly appealing; you might consider it",
    7: "you like it; it fits your style fairly well",
    8: "you really like it; a strong fit",
    9: "you love it; almost exactly your taste",
    10: "perfect match; you would buy it immediately",
}


def column_for(answer: int) -> str:
    """``-1`` -> ``p_neg1``, ``7`` -> ``p_7``."""
    return ANSWER_COLUMNS[ANSWERS.index(answer)]


def distribution_vector(probabilities: Mapping[int, float]) -> npt.NDArray[np.float64]:
    """Answer -> probability as an [11] array in :data:`ANSWERS` order, normalised to sum 1.

    Raises ValueError when no mass falls on any allowed answer: a distribution cannot be made
    up from nothing.
    """
    vector = np.array([max(0.0, float(probabilities.get(a, 0.0))) for a in ANSWERS])
    total = vector.sum()
    if not total > 0:
        raise ValueError("no probability mass on any allowed answer")
    normalised: npt.NDArray[np.float64] = vector / total
    return normalised


def expected_rating(probabilities: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """Σ p(a)·a over the 11 answers (−1 counts as −1), for an [11] vector in ANSWERS order."""
    return float(np.dot(np.asarray(probabilities, dtype=np.float64), np.array(ANSWERS)))


def most_likely(probabilities: Sequence[float] | npt.NDArray[np.float64]) -> int:
    """The answer with the highest probability (the lower answer on an exact tie)."""
    return ANSWERS[int(np.argmax(np.asarray(probabilities)))]
