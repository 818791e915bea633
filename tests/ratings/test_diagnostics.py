from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tastemaker.ratings.diagnostics import diagnose
from tastemaker.ratings.scale import ANSWER_COLUMNS, ANSWERS


def _frame(answers: list[int | None], personas: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "persona_id": [f"p{i % personas}" for i in range(len(answers))],
            "answer": pd.array(answers, dtype="Int64"),
        }
    )


def test_the_original_teams_pile_up_is_caught() -> None:
    d = diagnose(_frame([6, 8, 8, 6, 8, 6, 8, 7, 6, 8]))
    assert d.share_6_8 == 0.9
    assert d.neg1_share == 0
    assert d.collapsed
    joined = " ".join(d.warnings)
    assert "6 and 8" in joined
    assert "no dislikes" in joined


def test_a_spread_histogram_passes() -> None:
    answers = [a for a in ANSWERS for _ in range(3)]
    d = diagnose(_frame(answers, personas=3))
    assert d.histogram == {str(a): 3 for a in ANSWERS}
    assert abs(d.entropy_bits - np.log2(11)) < 1e-9
    assert d.modal_share == 3 / 33
    assert not d.collapsed, d.warnings


def test_failures_are_counted_not_rated() -> None:
    d = diagnose(_frame([5, None, 7, None]))
    assert (d.n, d.failures) == (2, 2)


def test_distribution_entropy_when_probabilities_exist() -> None:
    frame = _frame([5, 5])
    uniform = np.full((2, 11), 1 / 11)
    frame[list(ANSWER_COLUMNS)] = uniform
    d = diagnose(frame)
    assert d.mean_distribution_entropy_bits is not None
    assert abs(d.mean_distribution_entropy_bits - np.log2(11)) < 1e-9


def test_empty_ratings_warn() -> None:
    assert diagnose(_frame([])).warnings == ["no ratings to diagnose"]


def test_per_persona_figures_worked_by_hand() -> None:
    # p0 rates 2 and 4 (mean 3, population std 1); p1 rates 6, 6 and 9 (mean 7, std √2).
    frame = pd.DataFrame(
        {
            "persona_id": ["p0", "p1", "p0", "p1", "p1", "p1"],
            "answer": pd.array([2, 6, 4, 6, 9, None], dtype="Int64"),
        }
    )
    d = diagnose(frame)
    assert (d.n, d.failures) == (5, 1)
    assert d.persona_mean == {"p0": 3.0, "p1": 7.0}
    assert d.persona_std == {"p0": 1.0, "p1": round(2**0.5, 3)}
    assert d.median_persona_std == pytest.approx((1.0 + 1.414) / 2)
    assert d.mean_rating == pytest.approx(27 / 5)
    assert (d.modal_answer, d.modal_share) == (6, 2 / 5)
    assert d.share_6_8 == pytest.approx(2 / 5)
    # histogram 2: 1, 4: 1, 6: 2, 9: 1 -> H = 3 · (1/5) log2 5 + (2/5) log2(5/2)
    assert d.entropy_bits == pytest.approx(0.6 * np.log2(5) + 0.4 * np.log2(2.5))
    assert d.warnings == ["no dislikes: -1 is 0.0% of ratings"]  # spread: median 1.21 >= 1


def test_dislikes_are_counted_apart_from_the_mean_and_spread() -> None:
    frame = _frame([-1, 9, 9, 4, 6, 5], personas=2)  # p0: -1, 9, 6; p1: 9, 4, 5
    d = diagnose(frame)
    assert d.mean_rating == 6.6  # (9 + 9 + 4 + 6 + 5) / 5, the dislike not averaged in
    assert d.persona_mean == {"p0": 7.5, "p1": 6.0}
    assert d.persona_std["p0"] == 1.5
    assert d.persona_neg1_share == {"p0": round(1 / 3, 3), "p1": 0.0}
    assert d.neg1_share == 1 / 6
