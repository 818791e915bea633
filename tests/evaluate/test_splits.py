from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.datasets import load_movielens
from tastemaker.errors import ConfigError
from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.splits import (
    Split,
    leave_last_out,
    make_split,
    stratified_split,
    temporal_split,
)
from tests.datasets.helpers import ml100k_path


@st.composite
def ratings_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Random ratings, repeated (user, item) pairs and equal timestamps included."""
    n = draw(st.integers(0, 120))
    users = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    items = draw(st.lists(st.integers(0, 14), min_size=n, max_size=n))
    stamps = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    return pd.DataFrame(
        {"user": users, "item": items, "rating": [3.0] * n, "timestamp": stamps}
    ).astype({"user": np.int64, "item": np.int64, "timestamp": np.int64})


def _pairs(frame: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["user"].tolist(), frame["item"].tolist(), strict=True))


def _assert_sound(split: Split, frame: pd.DataFrame) -> None:
    assert not _pairs(split.train) & _pairs(split.test), "a test pair leaked into training"
    assert not set(split.train.index) & set(split.test.index)
    assert set(split.train.index) | set(split.test.index) <= set(frame.index)


@settings(max_examples=60)
@given(ratings_frames(), st.sampled_from(["stratified", "leave_last_out", "temporal"]))
def test_no_split_leaks_a_test_pair_into_training(frame: pd.DataFrame, method: str) -> None:
    _assert_sound(make_split(method, frame, 0.75, seed=3), frame)


def _ms_reference(frame: pd.DataFrame, ratio: float, seed: int) -> pd.Index:
    """Microsoft Recommenders' python_stratified_split, re-expressed in pandas: rows kept for
    training."""
    data = frame.copy()
    np.random.seed(seed)
    data["random"] = np.random.rand(data.shape[0])
    data = data.sort_values(["user", "random"])
    groups = data.groupby("user")
    data["count"] = groups["user"].transform("count")
    data["rank"] = (groups.cumcount() + 1) / data["count"]
    return data.index[data["rank"] <= ratio]


@settings(max_examples=40)
@given(ratings_frames(), st.sampled_from([0.5, 0.75, 0.8]), st.integers(0, 2**31 - 1))
def test_stratified_split_selects_the_rows_microsoft_recommenders_selects(
    frame: pd.DataFrame, ratio: float, seed: int
) -> None:
    split = stratified_split(frame, ratio, seed)
    expected = _ms_reference(frame, ratio, seed)
    assert sorted(split.train.index) == sorted(expected)


def test_stratified_split_per_user_sizes_and_seed() -> None:
    frame = pd.DataFrame(
        {
            "user": np.repeat(np.arange(4), [1, 2, 4, 21]),
            "item": np.arange(28),
            "rating": 1.0,
            "timestamp": 0,
        }
    )
    split = stratified_split(frame, 0.75, 42)
    train = split.train.groupby("user").size().to_dict()
    test = split.test.groupby("user").size().to_dict()
    assert train == {1: 1, 2: 3, 3: 15}  # floor(0.75 n); user 0's single rating is test only
    assert test == {0: 1, 1: 1, 2: 1, 3: 6}
    again = stratified_split(frame, 0.75, 42)
    assert again.train.index.equals(split.train.index)
    other = stratified_split(frame, 0.75, 7)
    assert not other.train.index.equals(split.train.index)
    assert split.describe() == "stratified(ratio=0.75, seed=42): 19 train / 9 test ratings"


def test_stratified_split_on_real_ml100k_keeps_every_user_on_both_sides() -> None:
    dataset = Dataset.from_interactions(load_movielens(ml100k_path()))
    split = stratified_split(dataset.ratings, 0.75, 42)
    assert (len(split.train), len(split.test)) == (74_646, 25_354)
    assert sorted(split.train.index) == sorted(_ms_reference(dataset.ratings, 0.75, 42))
    assert split.train["user"].nunique() == split.test["user"].nunique() == 943
    counts = dataset.ratings.groupby("user").size()
    train_counts = split.train.groupby("user").size()
    assert (train_counts == np.floor(counts * 0.75 + 1e-9).astype(int)).all()


def test_leave_last_out_tests_each_users_latest_rating() -> None:
    frame = pd.DataFrame(
        {
            "user": [0, 0, 0, 1, 2, 2],
            "item": [1, 2, 3, 1, 5, 6],
            "rating": 1.0,
            "timestamp": [5, 9, 1, 3, 7, 7],  # user 2: a tie, the later row wins
        }
    )
    split = leave_last_out(frame)
    assert _pairs(split.test) == {(0, 2), (2, 6)}  # user 1 has one rating: training only
    assert len(split.train) == 4


def test_temporal_split_never_trains_on_the_future() -> None:
    frame = pd.DataFrame(
        {
            "user": [0, 0, 1, 1, 2, 0, 1, 3],
            "item": [0, 1, 0, 2, 3, 4, 5, 6],
            "rating": 1.0,
            "timestamp": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    split = temporal_split(frame, 0.5)
    assert split.train["timestamp"].max() < split.test["timestamp"].min()
    assert len(split.train) == math.ceil(0.5 * len(frame))
    assert set(split.test["user"]) == {0, 1}  # users 2 and 3 first rate after the cut: cold
    kept = temporal_split(frame, 0.5, keep_cold_users=True)
    assert set(kept.test["user"]) == {0, 1, 2, 3}


def test_bad_split_settings_are_config_errors() -> None:
    frame = pd.DataFrame({"user": [0], "item": [0], "rating": [1.0], "timestamp": [0]})
    with pytest.raises(ConfigError, match="ratio"):
        stratified_split(frame, 1.0)
    with pytest.raises(ConfigError, match="unknown split"):
        make_split("random", frame)
