"""The scale's rule for dislikes: −1 is its own outcome, never a number below 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.ratings.scale import ANSWERS, expected_rating, p_dislike


def _vector(**mass: float) -> np.ndarray:
    out = np.zeros(len(ANSWERS))
    for name, p in mass.items():
        out[0 if name == "neg1" else ANSWERS.index(int(name[1:]))] = p
    return out


def test_a_dislike_does_not_pull_the_expected_rating_down() -> None:
    half = _vector(neg1=0.5, a10=0.5)
    assert expected_rating(half) == pytest.approx(10.0)  # given not a dislike
    assert p_dislike(half) == pytest.approx(0.5)
    assert expected_rating(_vector(a4=0.5, a6=0.5)) == pytest.approx(5.0)


def test_a_certain_dislike_has_no_expected_rating() -> None:
    assert expected_rating(_vector(neg1=1.0)) is None
    assert p_dislike(_vector(neg1=1.0)) == 1.0


@given(st.lists(st.floats(0, 1), min_size=11, max_size=11).filter(lambda w: sum(w[1:]) > 1e-6))
def test_the_expected_rating_lies_on_one_to_ten(weights: list[float]) -> None:
    vector = np.array(weights) / sum(weights)
    value = expected_rating(vector)
    assert value is not None
    assert 1.0 - 1e-9 <= value <= 10.0 + 1e-9
