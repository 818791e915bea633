"""The one rule that maps real rating scales onto the model's scale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.datasets.scales import THUMBS_DOWN, THUMBS_UP, RatingScale
from tastemaker.errors import ConfigError


@pytest.mark.parametrize(
    ("spec", "value", "mapped"),
    [("1-5", 1, 1.0), ("1-5", 5, 10.0), ("1-5", 3, 5.5), ("0.5-5", 0.5, 1.0), ("0.5-5", 5, 10.0),
     ("0.5-5", 2.75, 5.5), ("1..10", 7, 7.0)],
)  # fmt: skip
def test_numeric_scales_map_linearly_onto_one_to_ten(
    spec: str, value: float, mapped: float
) -> None:
    scale = RatingScale.from_spec(spec)
    assert scale.to_model(scale.parse(str(value))) == pytest.approx(mapped)


def test_thumbs_read_as_like_and_dislike() -> None:
    scale = RatingScale.from_spec("thumbs")
    assert [scale.to_model(scale.parse(t)) for t in ("up", "Like", "1", "down", "0", "-1")] == [
        THUMBS_UP, THUMBS_UP, THUMBS_UP, THUMBS_DOWN, THUMBS_DOWN, THUMBS_DOWN,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="neither up nor down"):
        scale.parse("maybe")


@pytest.mark.parametrize("cell", ["6", "0", "-1", "nan", "inf", "four"])
def test_values_off_the_scale_are_named(cell: str) -> None:
    with pytest.raises(ValueError, match=repr(cell)):
        RatingScale.from_spec("1-5").parse(cell)


@pytest.mark.parametrize("spec", ["5-1", "stars", "1-", "3-3"])
def test_bad_scale_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError, match="--scale"):
        RatingScale.from_spec(spec)


@given(
    st.floats(-50, 50, allow_nan=False),
    st.floats(0.1, 50, allow_nan=False),
    st.lists(st.floats(0, 1), min_size=2, max_size=10),
)
def test_the_map_keeps_order_and_stays_on_one_to_ten(
    low: float, width: float, shares: list[float]
) -> None:
    scale = RatingScale("numeric", low, low + width)
    values = sorted(low + s * width for s in shares)
    mapped = [scale.to_model(v) for v in values]
    assert mapped == sorted(mapped)
    assert all(1.0 - 1e-9 <= m <= 10.0 + 1e-9 for m in mapped)
