from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.errors import ConfigError
from tastemaker.ratings.calibrate import calibrate, load_target
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


def test_a_small_calibration_worked_by_hand() -> None:
    # Sorted by (answer, expected): row 1 (5, 4.9), row 0 (5, 5.2), row 2 (6), row 3 (7).
    # Target -1: 1/4, 5: 1/2, 10: 1/4; quantiles 1/8, 3/8, 5/8, 7/8 -> -1, 5, 5, 10.
    ratings = pd.DataFrame({"answer": [5, 5, 6, 7], "expected_rating": [5.2, 4.9, 6.0, 7.0]})
    target = np.zeros(len(ANSWERS))
    target[[ANSWERS.index(-1), ANSWERS.index(5), ANSWERS.index(10)]] = [0.25, 0.5, 0.25]
    calibrated, report = calibrate(ratings, target)
    assert calibrated.tolist() == [5, -1, 5, 10]
    # Before: 5: 1/2, 6: 1/4, 7: 1/4. Wasserstein = ∫|F_before - F_target|: 1/4 over [-1, 5),
    # 1/4 over [5, 6), 0 over [6, 7), 1/4 over [7, 10) -> 1.5 + 0.25 + 0.75 = 2.5.
    # JSD (base 2): the mixture puts 1/8 on -1, 6, 7, 10 and 1/2 on 5; each side's KL to it
    # is 1/2 bit, so the divergence is 1/2.
    assert report.before == pytest.approx(
        {"wasserstein": 2.5, "jsd": 0.5, "neg1_share": 0.0, "modal_share": 0.5}
    )
    assert report.after == pytest.approx(
        {"wasserstein": 0.0, "jsd": 0.0, "neg1_share": 0.25, "modal_share": 0.5}, abs=1e-12
    )
