from __future__ import annotations

import pandas as pd
import pytest

from tastemaker.ratings.compare import compare_ratings


def _side(answers: list[int], expected: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "persona_id": ["p"] * len(answers),
            "item_id": [f"i{k}" for k in range(len(answers))],
            "answer": pd.array(answers, dtype="Int64"),
            "expected_rating": pd.array(expected, dtype="Float64"),
        }
    )


def test_a_dislike_is_its_own_outcome_in_the_comparison() -> None:
    a = _side([-1, 5, 8, 2], [None, 5.0, 8.0, 2.0])
    b = _side([1, 5, 8, -1], [1.0, 5.0, 8.0, None])
    result = compare_ratings(a, b)
    assert result.pairs == 4
    assert (result.mean_a, result.mean_b) == (5.0, pytest.approx(14 / 3))  # over 1..10 only
    assert (result.neg1_share_a, result.neg1_share_b) == (0.25, 0.25)
    assert result.exact_agreement == 0.5
    assert result.within_one == 0.5  # -1 vs 1 is a disagreement, not "two points apart"
    assert result.spearman == pytest.approx(0.8)  # ranks with the dislike lowest


def test_dislikes_on_both_sides_agree() -> None:
    result = compare_ratings(_side([-1, 7, 3], [None, 7, 3]), _side([-1, 8, 3], [None, 8, 3]))
    assert (result.exact_agreement, result.within_one) == (pytest.approx(2 / 3), 1.0)
