"""The two-tower model behind the evaluation protocol, on the tiny set and (slow) on ML-100K."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tastemaker.datasets import load_movielens
from tastemaker.evaluate import (
    Dataset,
    RatingPredictor,
    Recommender,
    build_models,
    evaluate_full_ranking,
    stratified_split,
)
from tastemaker.model import TwoTowerRecommender
from tastemaker.model.batches import UserRows
from tastemaker.model.config import TrainConfig
from tastemaker.model.data import from_dataset
from tastemaker.model.train import score_users
from tests.datasets.helpers import ml100k_path
from tests.model.helpers import tiny_dataset


def _small(members: int = 1) -> TwoTowerRecommender:
    return TwoTowerRecommender(
        seed=3, config=TrainConfig(max_steps=20, batch_users=8, eval_every=10), members=members
    )


def test_it_implements_the_protocols_and_the_runner_finds_it() -> None:
    assert isinstance(_small(), Recommender)
    assert isinstance(_small(), RatingPredictor)
    models, notes = build_models(["two_tower"], seed=5)
    assert notes == []
    assert models[0].name == "two_tower"
    assert isinstance(models[0], TwoTowerRecommender)
    assert models[0].train_config.seed == 5


def test_fit_score_predict_on_the_tiny_set() -> None:
    dataset = tiny_dataset()
    split = stratified_split(dataset.ratings, 0.75, 42)
    train = dataset.with_ratings(split.train)
    model = _small()
    with pytest.raises(RuntimeError, match="fit"):
        model.score(np.arange(2))
    model.fit(train)
    scores = model.score(np.arange(5))
    assert scores.shape == (5, dataset.n_items)
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()
    ratings = model.predict(np.array([0, 1]), np.array([0, 1]))
    assert ratings.shape == (2,)
    assert ((ratings >= 1.0) & (ratings <= 5.0)).all()
    result = evaluate_full_ranking(model, train, split.test, k=5)
    assert result["recall_at_5"] > 0.3  # planted tastes: far above chance (about 0.1)


def test_members_are_seeded_apart_and_their_logits_averaged() -> None:
    dataset = tiny_dataset()
    train = dataset.with_ratings(stratified_split(dataset.ratings, 0.75, 42).train)
    model = _small(members=2)
    model.fit(train)
    assert len(model.results) == 2
    assert model.result is model.results[0]
    users = np.arange(4)
    rows = UserRows.of(from_dataset(train))
    each = [score_users(r.model, rows, users) for r in model.results]
    assert not np.allclose(each[0], each[1])  # seeds 3 and 4: different models
    np.testing.assert_allclose(model.score(users), (each[0] + each[1]) / 2, rtol=1e-6)
    single = _small()
    single.fit(train)
    np.testing.assert_allclose(single.score(users), each[0], rtol=1e-6)  # member 0 = seed 3
    assert model.predict(np.array([0, 1]), np.array([0, 1])).shape == (2,)


def test_members_must_be_positive() -> None:
    with pytest.raises(ValueError, match="members"):
        _small(members=0)


@pytest.mark.slow
def test_ml100k_beats_the_baselines() -> None:
    dataset = Dataset.from_interactions(load_movielens(ml100k_path()))
    split = stratified_split(dataset.ratings, 0.75, 42)
    train = dataset.with_ratings(split.train)
    model = TwoTowerRecommender(seed=42)
    started = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - started
    result = evaluate_full_ranking(model, train, split.test, k=10)
    # implicit ALS measures 0.215 / 0.465 on this split; EASE 0.222 / 0.484.
    assert result["recall_at_10"] > 0.222
    assert result["ndcg_at_10"] > 0.485
    assert seconds < 120
