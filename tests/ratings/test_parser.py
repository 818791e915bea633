from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.ratings.parser import parse_rating
from tastemaker.ratings.scale import ANSWERS


@given(
    answer=st.sampled_from(ANSWERS),
    label=st.sampled_from(["", "Rating: ", "rating:", "Answer = ", "**"]),
    suffix=st.sampled_from(["", ".", "/10", " / 10", "\n", "**"]),
)
def test_every_allowed_answer_round_trips(answer: int, label: str, suffix: str) -> None:
    assert parse_rating(f"{label}{answer}{suffix}") == answer


@given(st.integers().filter(lambda n: n not in ANSWERS))
def test_numbers_off_the_scale_are_rejected(number: int) -> None:
    assert parse_rating(str(number)) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I would rate this a 7 because it fits her style.",
        "7 or 8",
        "Seven",
        "7.5",
        "-1-1",
        "0",
        "11",
        "-2",
    ],
)
def test_anything_but_one_answer_is_a_failure(text: str) -> None:
    assert parse_rating(text) is None
