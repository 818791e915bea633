from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.errors import ConfigError
from tastemaker.ratings.calibrate import calibrate, distribution_summary, load_target
from tastemaker.ratings.scale import ANSWERS


def _compressed(n_personas: int, n_items: int, seed: int = 0) -> pd.DataFrame:
    """Ratings that look like the default rater's: piled on 5..8, expected ratings 4.3–6.3."""
    rng = np.random.default_rng(seed)
    expected = rng.uniform(4.3, 6.3, size=(n_personas, n_items))
    answers = np.clip(np.round(expected + rng.normal(0, 0.6, expected.shape)), 5, 8)
    return pd.DataFrame(
        {
            "persona_id": np.repeat([f"p{i}" for i in range(n_personas)], n_items),
            "item_id": np.tile([f"i{j}" for j in range(n_items)], n_personas),
            "answer": answers.ravel().astype(int),
            "expected_rating": expected.ravel(),
        }
    )


def test_hits_the_uniform_target_and_reports_the_gain() -> None:
    ratings = _compressed(20, 55)
    calibrated, report = calibrate(ratings, load_target("uniform"))
    counts = calibrated.value_counts()
    assert set(counts.index) == set(ANSWERS)
    assert counts.max() - counts.min() <= 1  # 1100 ratings over 11 answers: 100 each
    assert report.before["neg1_share"] == 0
    assert report.after["neg1_share"] == pytest.approx(1 / 11, abs=0.01)
    assert report.after["jsd"] < 0.001 < report.before["jsd"]
    assert report.after["wasserstein"] < report.before["wasserstein"]


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    weights=st.lists(st.floats(0, 1), min_size=11, max_size=11).filter(lambda w: sum(w) > 0.1),
)
def test_keeps_every_personas_order_of_items(seed: int, weights: list[float]) -> None:
    ratings = _compressed(4, 12, seed)
    target = np.array(weights) / sum(weights)
    calibrated, _ = calibrate(ratings, target)
    ratings = ratings.assign(calibrated=calibrated.astype(int))
    key = ratings["answer"] + ratings["expected_rating"] / 100  # answer first, then expected
    for _, group in ratings.assign(key=key).groupby("persona_id"):
        ordered = group.sort_values("key")["calibrated"].to_numpy()
        assert (np.diff(ordered) >= 0).all()


def test_failures_stay_null() -> None:
    ratings = pd.DataFrame({"answer": [5, None, 7], "expected_rating": [5.0, None, 6.5]})
    calibrated, report = calibrate(ratings, load_target("uniform"))
    assert calibrated.isna().tolist() == [False, True, False]
    assert report.n == 2


def test_target_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "target.json"
    path.write_text(json.dumps({"-1": 1, "5": 1, "10": 2}))
    target = load_target(str(path))
    assert target[0] == pytest.approx(0.25)
    assert target[-1] == pytest.approx(0.5)


@pytest.mark.parametrize("body", ['{"11": 1}', '{"5": -1}', "[1, 2]", "not json"])
def test_bad_targets_are_named(tmp_path: Path, body: str) -> None:
    path = tmp_path / "target.json"
    path.write_text(body)
    with pytest.raises(ConfigError, match=r"target\.json"):
        load_target(str(path))


def test_distances_treat_the_dislike_as_its_own_outcome() -> None:
    target = np.zeros(11)
    target[[0, 5]] = 0.5  # half dislikes, half 5
    same_likes = distribution_summary([-1, 5, 5, 5], target)
    assert same_likes["wasserstein"] == 0.0  # the 1..10 parts agree exactly
    assert same_likes["neg1_gap"] == pytest.approx(0.25)
    ones = distribution_summary([1, 1], target)
    assert ones["wasserstein"] == pytest.approx(4.0)  # from 1 to 5, not from 1 to -1
    assert ones["neg1_gap"] == pytest.approx(0.5)
    assert distribution_summary([-1, -1], target)["wasserstein"] is None
