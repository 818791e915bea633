from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.errors import ConfigError
from tastemaker.ratings.calibrate import (
    Calibrator,
    calibrate,
    distribution_summary,
    load_target,
    target_from_ratings,
)
from tastemaker.ratings.ordering import ranks
from tastemaker.ratings.scale import ANSWER_COLUMNS, ANSWERS


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
    # Before: 5: 1/2, 6: 1/4, 7: 1/4, no dislike. Over 1..10 the target is 5: 2/3, 10: 1/3, so
    # Wasserstein = ∫|F_before - F_target| = 1/6 over [5, 6) + 1/12 over [6, 7) + 1/3 over
    # [7, 10) = 1.25; the dislike shares differ by 1/4. JSD (base 2) over the 11 answers: the
    # mixture puts 1/8 on -1, 6, 7, 10 and 1/2 on 5; each side's KL to it is 1/2 bit -> 1/2.
    assert report.before == pytest.approx(
        {"wasserstein": 1.25, "neg1_gap": 0.25, "jsd": 0.5, "neg1_share": 0.0, "modal_share": 0.5}
    )
    assert report.after == pytest.approx(
        {"wasserstein": 0.0, "neg1_gap": 0.0, "jsd": 0.0, "neg1_share": 0.25,
         "modal_share": 0.5}, abs=1e-12
    )  # fmt: skip


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


def _tied(seed: int, n_personas: int, n_items: int) -> pd.DataFrame:
    """Ratings with many exact ties: free-text answers (no distribution) on a few values."""
    rng = np.random.default_rng(seed)
    answers = rng.choice([-1, 5, 6, 8], size=n_personas * n_items)
    return pd.DataFrame(
        {
            "persona_id": np.repeat([f"p{i}" for i in range(n_personas)], n_items),
            "item_id": np.tile([f"i{j}" for j in range(n_items)], n_personas),
            "answer": pd.array(answers, dtype="Int64"),
            "expected_rating": pd.array([None] * len(answers), dtype="Float64"),
        }
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 10_000))
def test_relabelling_personas_cannot_change_anyones_calibrated_value(
    seed: int, shuffle: int
) -> None:
    ratings = _tied(seed, 5, 7)
    calibrated, _ = calibrate(ratings, load_target("uniform"))
    names = ratings["persona_id"].unique()
    renamed = dict(zip(names, np.random.default_rng(shuffle).permutation(names), strict=True))
    relabelled = ratings.assign(persona_id=ratings["persona_id"].map(renamed)).sample(
        frac=1.0, random_state=shuffle
    )
    again, _ = calibrate(relabelled, load_target("uniform"))
    assert again.reindex(ratings.index).tolist() == calibrated.tolist()
    # equal inputs, equal outputs: every tie keeps one calibrated value
    assert (ratings.assign(c=calibrated).groupby("answer")["c"].nunique() == 1).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ties_are_broken_by_the_distribution_and_every_order_is_kept(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 30
    probs = rng.dirichlet(np.ones(11) * 0.5, size=n)
    probs[n // 2 :] = probs[: n - n // 2]  # the second half repeats the first exactly
    frame = pd.DataFrame(probs, columns=list(ANSWER_COLUMNS))
    frame["persona_id"] = [f"p{k % 3}" for k in range(n)]
    frame["answer"] = pd.array([ANSWERS[int(np.argmax(p))] for p in probs], dtype="Int64")
    frame["expected_rating"] = [float(np.dot(p[1:], ANSWERS[1:]) / p[1:].sum()) for p in probs]
    calibrated, _ = calibrate(frame, load_target("uniform"))
    keys = ranks(frame)
    values = calibrated.astype(int).to_numpy()
    for i in range(n):
        for j in range(n):
            if keys[i] < keys[j]:
                assert values[i] <= values[j]
            if keys[i] == keys[j]:
                assert values[i] == values[j]
    assert (values[: n - n // 2] == values[n // 2 :]).all()
    # the same answer and expected rating, told apart by P(dislike): less dislike ranks higher
    pair = frame.iloc[[0, 0]].reset_index(drop=True)
    pair.loc[1, "p_neg1"] = pair.loc[0, "p_neg1"] + 0.01
    assert ranks(pair)[0] > ranks(pair)[1]


def test_a_calibrator_fitted_on_one_side_maps_the_other_monotonically() -> None:
    train = _compressed(10, 20, seed=1)
    test = _compressed(4, 10, seed=2)
    fitted = Calibrator.fit(train, load_target("uniform"))
    on_train = fitted.apply(train)
    assert on_train.tolist() == calibrate(train, load_target("uniform"))[0].tolist()
    mapped = fitted.apply(test).astype(int).to_numpy()
    order = ranks(test)
    for i in range(len(test)):
        for j in range(len(test)):
            if order[i] < order[j]:
                assert mapped[i] <= mapped[j]
    # a test row equal to a training row gets that training row's value
    same = fitted.apply(train.iloc[[3]])
    assert same.iloc[0] == on_train.iloc[3]
    # failures stay null
    failed = test.assign(answer=pd.array([None] * len(test), dtype="Int64"))
    assert fitted.apply(failed).isna().all()


def test_target_from_real_ratings_rounds_onto_the_answers() -> None:
    # 1-5 stars map to 1, 3.25, 5.5, 7.75, 10; a thumbs-down is -1 (datasets.scales)
    target = target_from_ratings([-1.0, 1.0, 3.25, 5.5, 7.75, 10.0, 10.0])
    counts = dict(zip(ANSWERS, np.round(target * 7).astype(int), strict=True))
    assert counts == {-1: 1, 1: 1, 2: 0, 3: 1, 4: 0, 5: 0, 6: 1, 7: 0, 8: 1, 9: 0, 10: 2}


@pytest.mark.parametrize(("values", "message"), [([], "no real explicit"), ([0.5], "0.5")])
def test_target_from_real_ratings_refuses_nothing_and_off_scale(
    values: list[float], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        target_from_ratings(values)
