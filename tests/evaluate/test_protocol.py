from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0, -np.inf]), min_size=n, max_size=n),
            st.integers(1, n + 3),
        )
    ),
)
def test_top_k_is_the_sorted_list_cut_at_k_even_when_ties_cross_the_cut(
    case: tuple[list[float], int],
) -> None:
    row, k = case
    rows = [row, row[::-1]]
    want = []
    for r in rows:
        order = sorted(range(len(r)), key=lambda i: (-r[i], i))[: min(k, len(r))]
        want.append([i if r[i] > -np.inf else -1 for i in order])
    assert top_k(np.array(rows, np.float32), k).tolist() == want


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


def test_popularity_full_ranking_worked_by_hand() -> None:
    # Training counts: item 0 three, item 1 two, items 2, 3, 4 one each (ties: lower id first),
    # so the list is [0, 1, 2, 3, 4] minus each user's training items, cut at k = 2:
    #   user 0 (saw 0, 1)    -> [2, 3], test {2, 4}: hit at rank 1
    #   user 1 (saw 0, 2)    -> [1, 3], test {1}:    hit at rank 1
    #   user 2 (saw 0, 1, 3) -> [2, 4], test {4}:    hit at rank 2
    #   user 3 (saw 4)       -> [0, 1], test {0}:    hit at rank 1
    seen = {0: [0, 1], 1: [0, 2], 2: [0, 1, 3], 3: [4]}
    train = make_dataset([(u, i, 1.0, 0) for u, items in seen.items() for i in items], 4, 5)
    test = make_dataset([(0, 2, 1.0, 1), (0, 4, 1.0, 1), (1, 1, 1.0, 1), (2, 4, 1.0, 1),
                         (3, 0, 1.0, 1)], 4, 5).ratings  # fmt: skip
    model = Popularity()
    model.fit(train)
    result = evaluate_full_ranking(model, train, test, k=2)
    second = 1 / math.log2(3)  # the discount of rank 2
    assert result["precision_at_2"] == pytest.approx(0.5)  # one hit in two for everyone
    assert result["recall_at_2"] == pytest.approx((1 / 2 + 1 + 1 + 1) / 4)
    assert result["hit_rate_at_2"] == pytest.approx(1.0)
    # user 0: DCG 1 over an ideal 1 + 1/log2(3); user 2: 1/log2(3) over an ideal 1
    assert result["ndcg_at_2"] == pytest.approx((1 / (1 + second) + 1 + second + 1) / 4)
    assert result["map_at_2"] == pytest.approx((1 / 2 + 1 + 1 / 2 + 1) / 4)
    assert result["coverage_at_2"] == pytest.approx(1.0)  # 2, 3, 1, 4 and 0 are shown
    assert result["users"] == 4


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
