from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tastemaker.evaluate.baselines import BiasBaseline, Popularity
from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.protocol import (
    RatingPredictor,
    Recommender,
    evaluate_full_ranking,
    evaluate_ratings,
    evaluate_sampled,
    top_k,
)
from tastemaker.evaluate.splits import stratified_split
from tests.evaluate.helpers import Oracle, make_dataset, planted


def test_top_k_breaks_ties_by_item_and_pads_excluded_items() -> None:
    scores = np.array([[0.5, 0.9, 0.5, -np.inf], [-np.inf, -np.inf, 1.0, -np.inf]], np.float32)
    assert top_k(scores, 3).tolist() == [[1, 0, 2], [2, -1, -1]]


def _split(dataset: Dataset) -> tuple[Dataset, pd.DataFrame]:
    split = stratified_split(dataset.ratings, 0.75, 42)
    return dataset.with_ratings(split.train), split.test


def test_an_oracle_of_the_test_items_is_perfect_and_training_items_are_excluded() -> None:
    dataset = planted()
    train, test = _split(dataset)
    liked: dict[int, set[int]] = {}
    for user, item in dataset.ratings[["user", "item"]].itertuples(index=False):
        liked.setdefault(int(user), set()).add(int(item))  # train AND test items score 1
    result = evaluate_full_ranking(Oracle(liked, dataset.n_items), train, test, k=3)
    # Training items are excluded, so the top 3 are all test items (every user has 3 or 4).
    assert result["precision_at_3"] == 1.0
    assert result["ndcg_at_3"] == pytest.approx(1.0)
    assert result["hit_rate_at_3"] == 1.0
    assert result["users"] == 80


def test_results_do_not_depend_on_the_batch_size() -> None:
    train, test = _split(planted())
    model = Popularity()
    model.fit(train)
    whole = evaluate_full_ranking(model, train, test, k=5)
    batched = evaluate_full_ranking(model, train, test, k=5, max_cells=7 * train.n_items)
    assert whole == batched
    assert evaluate_sampled(model, train, test, max_cells=7 * train.n_items) == evaluate_sampled(
        model, train, test
    )


def test_a_model_seeing_nothing_personal_loses_to_the_oracle_on_both_protocols() -> None:
    dataset = planted()
    train, test = _split(dataset)
    liked: dict[int, set[int]] = {}
    for user, item in test[["user", "item"]].itertuples(index=False):
        liked.setdefault(int(user), set()).add(int(item))
    oracle = evaluate_sampled(Oracle(liked, dataset.n_items), train, test, k=10)
    assert oracle["sampled_hit_rate_at_10"] == 1.0
    assert oracle["sampled_ndcg_at_10"] == pytest.approx(1.0)
    constant = evaluate_sampled(Oracle({}, dataset.n_items), train, test, k=10)
    assert constant["sampled_hit_rate_at_10"] == 0.0  # ties count against the model
    assert constant["sampled_ratings"] == len(test)


def test_contract_breaches_are_reported_with_the_model_name() -> None:
    train, test = _split(planted())

    class Wrong(Oracle):
        name = "wrong"

        def score(self, users: np.ndarray) -> np.ndarray:
            return np.zeros((len(users), 3), dtype=np.float32)

    class Nan(Oracle):
        name = "nan"

        def score(self, users: np.ndarray) -> np.ndarray:
            return np.full((len(users), self.n_items), np.nan, dtype=np.float32)

    with pytest.raises(ValueError, match=r"wrong\.score returned shape"):
        evaluate_full_ranking(Wrong({}, train.n_items), train, test)
    with pytest.raises(ValueError, match=r"nan\.score returned NaN"):
        evaluate_full_ranking(Nan({}, train.n_items), train, test)


def test_rating_errors_for_models_with_a_rating_head() -> None:
    rows = [(0, 0, 5.0, 0), (0, 1, 3.0, 1), (1, 0, 4.0, 2), (1, 1, 2.0, 3)]
    dataset = make_dataset(rows, 2, 2)
    model = BiasBaseline(damping=0.0)
    model.fit(dataset)
    assert isinstance(model, RatingPredictor)
    assert isinstance(model, Recommender)
    assert not isinstance(Popularity(), RatingPredictor)
    errors = evaluate_ratings(model, dataset.ratings)
    assert errors == {"rmse": pytest.approx(0.0), "mae": pytest.approx(0.0)}  # additive data


def test_empty_test_set_gives_zeros() -> None:
    train, test = _split(planted())
    model = Popularity()
    model.fit(train)
    assert evaluate_full_ranking(model, train, test.iloc[:0])["recall_at_10"] == 0.0
    assert evaluate_sampled(model, train, test.iloc[:0])["sampled_ratings"] == 0.0
