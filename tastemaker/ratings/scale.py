"""The rating scale: ``-1`` means dislike, ``1``..``10`` how much the persona likes the item.

Everything that turns probabilities into numbers lives here, so the store, the Parquet export,
the diagnostics and calibration agree on the order of the 11 answers and their column names.

A dislike is its own outcome, not a number below 1: averaging it in would make one dislike
among nines look like a string of fives. So every aggregate over ratings is two figures, the
mean (or expectation) over 1..10 and the share (or probability) of dislikes. The stored
``expected_rating`` is :func:`expected_rating`, the expected rating over 1..10 *given not a
dislike*, and ``p_neg1`` is :func:`p_dislike`. Orderings (calibration, Spearman) may still
place a dislike below every rating: that is a ranking, not an average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ANSWERS",
    "ANSWER_COLUMNS",
    "DISLIKE",
    "SCALE_DESCRIPTIONS",
    "column_for",
    "distribution_vector",
    "expected_rating",
    "most_likely",
    "p_dislike",
]

#: The answer that means "dislike".
DISLIKE: Final = -1

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


def expected_rating(probabilities: Sequence[float] | npt.NDArray[np.float64]) -> float | None:
    """The expected rating over 1..10 given not a dislike, Σ_{a≥1} p(a)·a / Σ_{a≥1} p(a), for
    an [11] vector in ANSWERS order; None when all the mass is on −1 (see the module doc)."""
    vector = np.asarray(probabilities, dtype=np.float64)
    likes = vector[1:].sum()
    if not likes > 0:
        return None
    return float(np.dot(vector[1:], np.array(ANSWERS[1:])) / likes)


def p_dislike(probabilities: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """P(−1) of an [11] vector in ANSWERS order (the ``p_neg1`` column)."""
    return float(np.asarray(probabilities, dtype=np.float64)[ANSWERS.index(DISLIKE)])


def most_likely(probabilities: Sequence[float] | npt.NDArray[np.float64]) -> int:
    """The answer with the highest probability (the lower answer on an exact tie)."""
    return ANSWERS[int(np.argmax(np.asarray(probabilities)))]
