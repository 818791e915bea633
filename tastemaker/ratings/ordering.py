"""One order of ratings, read from the whole distribution where there is one.

Calibration and model-vs-model comparison both need to say which of two ratings is the
higher; this module is where that is decided, once. Ratings are ordered by, in turn:

1. the most likely answer (−1, a dislike, below every rating: an ordering, not an average);
2. the expected rating over 1..10 given not a dislike (the answer itself where no
   distribution was read, as for ``free``);
3. the probability of a dislike, lower first;
4. the probability of the top answers, 10 then 9 … then 1, higher first.

Ratings equal on every key are ties and get the same rank: nothing else (input order, persona
id) may decide between them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.ratings.scale import ANSWER_COLUMNS

__all__ = ["order_keys", "ranks", "ranks_of"]

FloatArray = npt.NDArray[np.float64]


def order_keys(ratings: pd.DataFrame) -> FloatArray:
    """``[n_keys, n]`` keys of the rows of ``ratings`` (``answer`` required, ``expected_rating``
    and ``p_*`` used when present), most significant first, larger meaning higher. Missing
    values key as 0 (the same for every row of a strategy without distributions)."""
    n = len(ratings)
    answer = pd.to_numeric(ratings["answer"], errors="coerce").to_numpy(dtype=np.float64)
    if "expected_rating" in ratings:
        expected = pd.to_numeric(ratings["expected_rating"], errors="coerce")
        expected_values = expected.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        expected_values = np.full(n, np.nan)
    expected_values = np.where(np.isnan(expected_values), answer, expected_values)
    keys = [answer, expected_values]
    columns = [c for c in ANSWER_COLUMNS if c in ratings]
    if len(columns) == len(ANSWER_COLUMNS):
        probs = ratings[list(ANSWER_COLUMNS)].apply(pd.to_numeric, errors="coerce")
        p = np.nan_to_num(probs.to_numpy(dtype=np.float64, na_value=np.nan))
        keys.append(-p[:, 0])  # less dislike is higher
        keys.extend(p[:, k] for k in range(len(ANSWER_COLUMNS) - 1, 0, -1))  # P(10), P(9) …
    return np.nan_to_num(np.vstack(keys)) if n else np.zeros((len(keys), 0))


def ranks_of(keys: FloatArray) -> FloatArray:
    """``[n]`` dense ranks (1 = lowest) of the columns of ``[n_keys, n]`` keys, most
    significant key first; columns equal on every key share a rank."""
    if keys.shape[1] == 0:
        return np.zeros(0)
    order = np.lexsort(keys[::-1])  # lexsort's last key is the most significant
    sorted_keys = keys[:, order]
    new = np.r_[True, (np.diff(sorted_keys, axis=1) != 0).any(axis=0)]
    dense = np.empty(keys.shape[1], dtype=np.float64)
    dense[order] = np.cumsum(new)
    return dense


def ranks(ratings: pd.DataFrame) -> FloatArray:
    """``[n]`` dense ranks (1 = lowest) in the order of the module docstring; ties share."""
    return ranks_of(order_keys(ratings))
