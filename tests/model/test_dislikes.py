"""A dislike (-1 on the persona scale) is its own outcome, never a rating just below 1: the
rating head regresses the graded ratings (1..10) and learns P(dislike) apart, and the rating
metrics on persona data score each apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tastemaker.evaluate import DislikePredictor, Split, evaluate_ratings, stratified_split
from tastemaker.evaluate.metrics import mae, rmse
from tastemaker.model.batches import UserRows, sample_batch
from tastemaker.model.config import DataConfig, ModelConfig, TrainConfig
from tastemaker.model.data import from_store
from tastemaker.model.export import export_model, load_model
from tastemaker.model.head import PERSONA_SCALE, RatingScale
from tastemaker.model.recommender import StoreTwoTowerRecommender, store_dataset
from tastemaker.model.train import train
from tastemaker.store.db import Store
from tests.model.store_helpers import fill_store

MODEL = ModelConfig(dim=16, encoder="none")
TRAIN = TrainConfig(max_steps=80, batch_users=6, eval_every=40, lr=0.01, rating_weight=1.0)


def test_persona_ratings_keep_the_dislike_apart_from_the_scale(store: Store) -> None:
    fill_store(store)
    data = from_store(store, DataConfig(), text=None)
    assert data.scale == RatingScale(1.0, 10.0, dislike=-1.0)
    rows = UserRows.of(data)
    disliked = data.ratings[np.argsort(data.users, kind="stable")] == -1.0
    assert disliked.any()
    assert (rows.dislike == disliked).all()
    assert (rows.ratings[~disliked] >= 0.0).all()  # graded ratings normalised over 1..10


def test_held_out_dislikes_train_the_head_without_entering_the_history(store: Store) -> None:
    fill_store(store)
    data = from_store(store, DataConfig(), text=None)
    rows = UserRows.of(data)
    users = np.arange(data.n_users)
    batch = sample_batch(
        rows, users, target_fraction=0.5, history_length=100, rng=np.random.default_rng(0)
    )
    assert batch.head_dislike.any()  # some dislikes are held out for the head
    for row in users:
        history = set(batch.history_items[row][batch.history_weights[row] != 0].tolist())
        head = set(batch.head_items[batch.head_rows == row].tolist())
        assert not history & head  # the head predicts only pairs the tower did not read


def _fitted(store: Store) -> tuple[StoreTwoTowerRecommender, Split]:
    fill_store(store, n_personas=24)
    data = from_store(store, DataConfig(), text=None)
    dataset = store_dataset(data)
    split = stratified_split(dataset.ratings, 0.75, 42)
    model = StoreTwoTowerRecommender(data, MODEL, TRAIN)
    model.fit(dataset.with_ratings(split.train))
    return model, split


def test_the_store_model_predicts_ratings_on_1_to_10_and_dislikes_apart(store: Store) -> None:
    model, split = _fitted(store)
    test = split.test
    users = test["user"].to_numpy(dtype=np.int64)
    items = test["item"].to_numpy(dtype=np.int64)
    predicted = model.predict(users, items)
    assert ((predicted >= 1.0) & (predicted <= 10.0)).all()  # a rating, never a -1 mixed in
    p_dislike = model.predict_dislike(users, items)
    assert ((p_dislike >= 0.0) & (p_dislike <= 1.0)).all()
    disliked = test["rating"].to_numpy() == -1.0
    assert disliked.any()
    assert not disliked.all()
    assert p_dislike[disliked].mean() > p_dislike[~disliked].mean()


def test_rating_metrics_score_graded_ratings_and_dislikes_apart(store: Store) -> None:
    model, split = _fitted(store)
    test = split.test
    users = test["user"].to_numpy(dtype=np.int64)
    items = test["item"].to_numpy(dtype=np.int64)
    actual = test["rating"].to_numpy(dtype=np.float64)
    graded = actual != -1.0
    assert isinstance(model, DislikePredictor)
    result = evaluate_ratings(model, test)
    predicted = model.predict(users, items)
    assert result["rmse"] == pytest.approx(rmse(predicted[graded], actual[graded]))
    assert result["mae"] == pytest.approx(mae(predicted[graded], actual[graded]))
    p_dislike = model.predict_dislike(users, items)
    brier = float(np.mean((p_dislike - (~graded).astype(np.float64)) ** 2))
    assert result["dislike_brier"] == pytest.approx(brier)
    assert result["dislikes"] == int((~graded).sum())
    assert result["rated"] == int(graded.sum())


def test_the_export_keeps_the_dislike_answer_and_the_dislike_output(
    store: Store, tmp_path: Path
) -> None:
    fill_store(store)
    data = from_store(store, DataConfig(), text=None)
    result = train(data, MODEL, TRAIN.model_copy(update={"max_steps": 10}))
    loaded = load_model(export_model(result.model, tmp_path, version="v1"))
    assert loaded.scale == PERSONA_SCALE
    vectors = torch.from_numpy(loaded.item_vectors[:4])
    with torch.no_grad():
        mine = loaded.head(vectors, vectors)
        theirs = result.model.head(vectors, vectors)
    assert torch.equal(mine.dislike, theirs.dislike)
    assert torch.equal(mine.rating, theirs.rating)
